/*
 * UDP batching: many datagrams per system call and per JS callback (recvmmsg(2), sendmmsg(2)).
 * Node's dgram costs one recvmsg, one JS callback with its microtask checkpoint, a Buffer and an
 * rinfo object, and one sendmsg per datagram; here a readable socket costs one recvmmsg for up to
 * `slots` datagrams, one JS call for the batch, and one sendmmsg for its synchronous answers.
 *
 * Memory is shared with JS, which owns it (three ArrayBuffers passed to udpBatchOpen):
 *   recv  slots x slot_size bytes: datagram i at i * slot_size;
 *   ctrl  int32 words: COUNTERS counters, then RECV_STRIDE words per received datagram
 *         (length, family 4|6, port, flags: bit 0 MSG_TRUNC, bits 1.. IPv6 scope id; then the
 *         address: IPv4 in word 4, IPv6 as four big-endian words 4..7), then OUT_STRIDE words per
 *         answer JS queued (slot it answers, offset in out, length);
 *   out   answers, packed by JS.
 * The JS callback gets the datagram count and returns how many answers it queued; their
 * destinations are the source addresses of the slots they answer, as the kernel gave them.
 * The layout is mirrored in src/dns/listeners/udp-batch.ts.
 *
 * Readiness comes from a uv_poll_t on the calling thread's loop, so an endpoint lives on the
 * worker thread that opened it. Nothing here blocks: a send the socket buffer cannot take
 * (EAGAIN) waits for writability with reading paused (the kernel's receive queue is the buffer).
 * One file over the usual 300 lines because binding.gyp builds one source per part of the addon.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <node_api.h>

#include "errors.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#define COUNTERS 8
#define C_SEND_ERRORS 0 /* answers dropped: the kernel refused them (not EAGAIN) or JS queued nonsense */
#define C_SEND_DEFERRED 1 /* sendmmsg hit EAGAIN: the rest waited for writability (nothing lost) */
#define C_RECV_ERRORS 2 /* recvmmsg failed with something other than EAGAIN, or poll reported an error */
#define RECV_STRIDE 8
#define OUT_STRIDE 4
#define MAX_SLOTS 1024 /* UIO_MAXIOV: sendmmsg/recvmmsg take at most this many messages */
/* Full batches read per wake-up: a flooded socket yields the loop after this many (8 x 64 = 512). */
#define MAX_ROUNDS 8

typedef struct endpoint {
  napi_env env;
  uv_poll_t poll;
  int fd;
  int closed;
  int refs; /* the JS handle, the poll handle until its close callback, an on_poll in progress */
  int in_poll;
  int async_live;
  unsigned slots, slot_size, batch; /* batch: datagrams of the batch the pending answers belong to */
  uint8_t *recv, *out;
  size_t out_len;
  int32_t *ctrl;
  napi_ref recv_ref, ctrl_ref, out_ref, cb_ref;
  napi_ref self_ref; /* the JS handle, held while open: an open endpoint lives until closed, as Node's handles do */
  napi_async_context async;
  struct mmsghdr *rmsg, *smsg;
  struct iovec *riov, *siov;
  struct sockaddr_in6 *names; /* large enough for sockaddr_in too */
  unsigned pending_start, pending_count;
} endpoint;

static void ep_release(endpoint *ep) {
  if (--ep->refs > 0) return;
  free(ep->rmsg);
  free(ep->smsg);
  free(ep->riov);
  free(ep->siov);
  free(ep->names);
  free(ep);
}

static void on_poll_closed(uv_handle_t *h) { ep_release((endpoint *)h->data); }

/* Drops the JS references; not from the env cleanup hook (the env frees them itself). */
static void ep_drop_js(endpoint *ep) {
  napi_ref *refs[] = {&ep->recv_ref, &ep->ctrl_ref, &ep->out_ref, &ep->cb_ref, &ep->self_ref};
  for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++) {
    if (*refs[i] != NULL) napi_delete_reference(ep->env, *refs[i]);
    *refs[i] = NULL;
  }
  if (ep->async_live && !ep->in_poll) {
    napi_async_destroy(ep->env, ep->async);
    ep->async_live = 0;
  }
}

static void on_env_exit(void *arg);

/*
 * Stops polling, closes the fd at once (uv_poll_stop removes it from epoll, so the port is free
 * when close() returns) and frees the handle later. Safe to call twice and from the callback.
 */
static void ep_close(endpoint *ep, int from_env_exit) {
  if (ep->closed) return;
  ep->closed = 1;
  uv_poll_stop(&ep->poll);
  close(ep->fd);
  ep->fd = -1;
  uv_close((uv_handle_t *)&ep->poll, on_poll_closed);
  if (!from_env_exit) {
    napi_remove_env_cleanup_hook(ep->env, on_env_exit, ep);
    ep_drop_js(ep);
  }
}

/* A worker thread ends with the endpoint open: release the socket before its loop closes. */
static void on_env_exit(void *arg) { ep_close((endpoint *)arg, 1); }

static void on_handle_finalized(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  endpoint *ep = data;
  ep_close(ep, 0);
  ep_release(ep);
}

static void on_poll(uv_poll_t *h, int status, int events);

static void watch(endpoint *ep, int events) {
  if (!ep->closed) uv_poll_start(&ep->poll, events, on_poll);
}

/* Sends the pending answers; on EAGAIN keeps the rest and waits for writability. */
static void flush(endpoint *ep) {
  while (ep->pending_count > 0) {
    int r = sendmmsg(ep->fd, ep->smsg + ep->pending_start, ep->pending_count, MSG_DONTWAIT);
    if (r > 0) {
      ep->pending_start += (unsigned)r;
      ep->pending_count -= (unsigned)r;
    } else if (r < 0 && errno == EINTR) {
      continue;
    } else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      ep->ctrl[C_SEND_DEFERRED]++;
      watch(ep, UV_WRITABLE);
      return;
    } else {
      /* sendmmsg(2): an error on the first message; it is lost (as a failed sendmsg), go on. */
      ep->ctrl[C_SEND_ERRORS]++;
      ep->pending_start++;
      ep->pending_count--;
    }
  }
}

/* Fills the ctrl words of datagram i from the kernel's message header. */
static void describe(endpoint *ep, unsigned i) {
  int32_t *m = ep->ctrl + COUNTERS + i * RECV_STRIDE;
  struct mmsghdr *msg = &ep->rmsg[i];
  struct sockaddr_in6 *sa6 = &ep->names[i];
  m[0] = (int32_t)msg->msg_len;
  m[3] = (msg->msg_hdr.msg_flags & MSG_TRUNC) ? 1 : 0;
  if (sa6->sin6_family == AF_INET6) {
    m[1] = 6;
    m[2] = ntohs(sa6->sin6_port);
    m[3] |= (int32_t)(sa6->sin6_scope_id << 1);
    for (int w = 0; w < 4; w++) {
      uint32_t word;
      memcpy(&word, sa6->sin6_addr.s6_addr + 4 * w, 4);
      m[4 + w] = (int32_t)ntohl(word);
    }
  } else {
    struct sockaddr_in *sa4 = (struct sockaddr_in *)sa6;
    m[1] = 4;
    m[2] = ntohs(sa4->sin_port);
    m[4] = (int32_t)ntohl(sa4->sin_addr.s_addr);
    m[5] = m[6] = m[7] = 0;
  }
}

/* Turns the answers JS queued into sendmmsg headers; malformed entries are counted and skipped. */
static void queue_answers(endpoint *ep, int32_t queued) {
  const int32_t *o = ep->ctrl + COUNTERS + ep->slots * RECV_STRIDE;
  unsigned k = 0;
  if (queued < 0) queued = 0;
  if ((unsigned)queued > ep->slots) queued = (int32_t)ep->slots;
  for (int32_t j = 0; j < queued; j++, o += OUT_STRIDE) {
    int32_t slot = o[0], off = o[1], len = o[2];
    if (slot < 0 || (unsigned)slot >= ep->batch || off < 0 || len <= 0 || (size_t)off + (size_t)len > ep->out_len) {
      ep->ctrl[C_SEND_ERRORS]++;
      continue;
    }
    ep->siov[k].iov_base = ep->out + off;
    ep->siov[k].iov_len = (size_t)len;
    memset(&ep->smsg[k], 0, sizeof ep->smsg[k]);
    ep->smsg[k].msg_hdr.msg_name = &ep->names[slot];
    ep->smsg[k].msg_hdr.msg_namelen = ep->rmsg[slot].msg_hdr.msg_namelen;
    ep->smsg[k].msg_hdr.msg_iov = &ep->siov[k];
    ep->smsg[k].msg_hdr.msg_iovlen = 1;
    k++;
  }
  ep->pending_start = 0;
  ep->pending_count = k;
}

/* Hands one batch to JS; returns how many answers it queued, or -1 when it threw. */
static int32_t call_js(endpoint *ep, unsigned n) {
  napi_env env = ep->env;
  napi_value fn, argv[1], result, undefined;
  int32_t queued = 0;
  if (napi_get_reference_value(env, ep->cb_ref, &fn) != napi_ok || fn == NULL) return 0;
  napi_get_undefined(env, &undefined);
  napi_create_uint32(env, n, &argv[0]);
  if (napi_call_function(env, undefined, fn, 1, argv, &result) != napi_ok) {
    napi_value err;
    if (napi_get_and_clear_last_exception(env, &err) == napi_ok) napi_fatal_exception(env, err);
    return -1;
  }
  if (napi_get_value_int32(env, result, &queued) != napi_ok) queued = 0;
  return queued;
}

static void on_poll(uv_poll_t *h, int status, int events) {
  endpoint *ep = h->data;
  if (ep->closed) return;
  if (status < 0) {
    /* libuv stopped the handle (POLLERR): clear the socket error and watch again. */
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(ep->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    ep->ctrl[C_RECV_ERRORS]++;
    watch(ep, ep->pending_count > 0 ? UV_WRITABLE : UV_READABLE);
    return;
  }
  if (events & UV_WRITABLE) {
    flush(ep);
    if (ep->pending_count > 0) return;
    watch(ep, UV_READABLE);
  }
  ep->refs++;
  ep->in_poll = 1;
  napi_handle_scope hs;
  napi_callback_scope cs = NULL;
  napi_open_handle_scope(ep->env, &hs);
  for (int round = 0; round < MAX_ROUNDS && !ep->closed && ep->pending_count == 0; round++) {
    for (unsigned i = 0; i < ep->slots; i++) {
      ep->rmsg[i].msg_hdr.msg_namelen = sizeof ep->names[i];
      ep->rmsg[i].msg_hdr.msg_flags = 0;
    }
    int n = recvmmsg(ep->fd, ep->rmsg, ep->slots, MSG_DONTWAIT, NULL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK) ep->ctrl[C_RECV_ERRORS]++;
      break;
    }
    if (n == 0) break;
    for (unsigned i = 0; i < (unsigned)n; i++) describe(ep, i);
    ep->batch = (unsigned)n;
    if (cs == NULL) {
      /* One callback scope per wake-up: promise jobs and nextTicks run once, when it closes. */
      napi_value resource;
      napi_create_object(ep->env, &resource);
      napi_open_callback_scope(ep->env, resource, ep->async, &cs);
    }
    int32_t queued = call_js(ep, (unsigned)n);
    if (queued < 0 || ep->closed) break;
    queue_answers(ep, queued);
    flush(ep);
    if ((unsigned)n < ep->slots) break;
  }
  if (cs != NULL) napi_close_callback_scope(ep->env, cs);
  napi_close_handle_scope(ep->env, hs);
  ep->in_poll = 0;
  if (ep->closed && ep->async_live) {
    napi_async_destroy(ep->env, ep->async);
    ep->async_live = 0;
  }
  ep_release(ep);
}

static napi_value bad_args(napi_env env, const char *usage) {
  napi_throw_type_error(env, "ERR_INVALID_ARG", usage);
  return NULL;
}

static int arraybuffer(napi_env env, napi_value v, void **data, size_t *len, napi_ref *ref) {
  bool is = false;
  return napi_is_arraybuffer(env, v, &is) == napi_ok && is && napi_get_arraybuffer_info(env, v, data, len) == napi_ok &&
         napi_create_reference(env, v, 1, ref) == napi_ok;
}

/* The bound address of fd as { address, port, family }; NULL (with a thrown error) when it is not a UDP socket. */
static napi_value local_address(napi_env env, int fd, napi_value result) {
  struct sockaddr_in6 sa;
  socklen_t len = sizeof sa;
  int type = 0;
  socklen_t tlen = sizeof type;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) != 0) return throw_errno(env, "getsockopt", errno);
  if (type != SOCK_DGRAM) return throw_errno(env, "udpBatchOpen: not a datagram socket", EPROTOTYPE);
  if (getsockname(fd, (struct sockaddr *)&sa, &len) != 0) return throw_errno(env, "getsockname", errno);
  char text[INET6_ADDRSTRLEN] = {0};
  int v6 = sa.sin6_family == AF_INET6;
  inet_ntop(sa.sin6_family, v6 ? (void *)&sa.sin6_addr : (void *)&((struct sockaddr_in *)&sa)->sin_addr, text, sizeof text);
  napi_value address, port, family;
  CHECK(napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &address));
  CHECK(napi_create_int32(env, ntohs(sa.sin6_port), &port)); /* sin_port sits at the same offset */
  CHECK(napi_create_int32(env, v6 ? 6 : 4, &family));
  CHECK(napi_set_named_property(env, result, "address", address));
  CHECK(napi_set_named_property(env, result, "port", port));
  CHECK(napi_set_named_property(env, result, "family", family));
  return result;
}

#define OPEN_USAGE "udpBatchOpen(fd, recv: ArrayBuffer, slotSize, ctrl: ArrayBuffer, out: ArrayBuffer, onBatch, rcvbuf, sndbuf)"

/*
 * udpBatchOpen(...) -> { handle, address, port, family }. Takes the fd over on success (closing
 * the endpoint closes it); on a throw the fd stays the caller's. rcvbuf/sndbuf: SO_RCVBUF/SO_SNDBUF
 * when > 0 (the kernel caps them at net.core.rmem_max / wmem_max, socket(7)).
 */
static napi_value udp_batch_open(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd = -1, slot_size = 0, rcvbuf = 0, sndbuf = 0;
  napi_valuetype cbtype = napi_undefined;
  if (argc < 8 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_int32(env, argv[2], &slot_size) != napi_ok ||
      napi_get_value_int32(env, argv[6], &rcvbuf) != napi_ok || napi_get_value_int32(env, argv[7], &sndbuf) != napi_ok ||
      napi_typeof(env, argv[5], &cbtype) != napi_ok || cbtype != napi_function || fd < 0 || slot_size < 512)
    return bad_args(env, OPEN_USAGE);
  napi_value result;
  CHECK(napi_create_object(env, &result));
  if (local_address(env, fd, result) == NULL) return NULL;
  endpoint *ep = calloc(1, sizeof *ep);
  if (ep == NULL) return throw_errno(env, "udpBatchOpen", ENOMEM);
  ep->env = env;
  ep->fd = fd;
  size_t recv_len = 0, ctrl_len = 0;
  void *recv = NULL, *ctrl = NULL, *out = NULL;
  int ok = arraybuffer(env, argv[1], &recv, &recv_len, &ep->recv_ref) && arraybuffer(env, argv[3], &ctrl, &ctrl_len, &ep->ctrl_ref) &&
           arraybuffer(env, argv[4], &out, &ep->out_len, &ep->out_ref) &&
           napi_create_reference(env, argv[5], 1, &ep->cb_ref) == napi_ok;
  ep->slots = ok ? (unsigned)(recv_len / (size_t)slot_size) : 0;
  ep->slot_size = (unsigned)slot_size;
  if (!ok || ep->slots == 0 || ep->slots > MAX_SLOTS ||
      ctrl_len < (COUNTERS + ep->slots * (RECV_STRIDE + OUT_STRIDE)) * sizeof(int32_t)) {
    ep_drop_js(ep);
    free(ep);
    return bad_args(env, OPEN_USAGE ": buffers too small or slots not in 1..1024");
  }
  ep->recv = recv;
  ep->ctrl = ctrl;
  ep->out = out;
  ep->rmsg = calloc(ep->slots, sizeof *ep->rmsg);
  ep->smsg = calloc(ep->slots, sizeof *ep->smsg);
  ep->riov = calloc(ep->slots, sizeof *ep->riov);
  ep->siov = calloc(ep->slots, sizeof *ep->siov);
  ep->names = calloc(ep->slots, sizeof *ep->names);
  uv_loop_t *loop = NULL;
  int err = 0;
  if (ep->rmsg == NULL || ep->smsg == NULL || ep->riov == NULL || ep->siov == NULL || ep->names == NULL) err = ENOMEM;
  else if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) != 0) err = errno;
  else if (sndbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf) != 0) err = errno;
  else if (napi_get_uv_event_loop(env, &loop) != napi_ok || uv_poll_init(loop, &ep->poll, fd) != 0) err = EINVAL;
  if (err != 0) {
    /* Nothing to close (uv_poll_init is the last step that can fail); the fd stays the caller's. */
    ep_drop_js(ep);
    ep->refs = 1;
    ep_release(ep);
    return throw_errno(env, "udpBatchOpen", err);
  }
  for (unsigned i = 0; i < ep->slots; i++) {
    ep->riov[i].iov_base = ep->recv + (size_t)i * ep->slot_size;
    ep->riov[i].iov_len = ep->slot_size;
    ep->rmsg[i].msg_hdr.msg_name = &ep->names[i];
    ep->rmsg[i].msg_hdr.msg_iov = &ep->riov[i];
    ep->rmsg[i].msg_hdr.msg_iovlen = 1;
  }
  ep->poll.data = ep;
  ep->refs = 2;
  napi_value name, handle;
  CHECK(napi_create_string_utf8(env, "GatehouseUdpBatch", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_async_init(env, NULL, name, &ep->async));
  ep->async_live = 1;
  CHECK(napi_create_external(env, ep, on_handle_finalized, NULL, &handle));
  CHECK(napi_create_reference(env, handle, 1, &ep->self_ref));
  CHECK(napi_set_named_property(env, result, "handle", handle));
  napi_add_env_cleanup_hook(env, on_env_exit, ep);
  watch(ep, UV_READABLE);
  return result;
}

static endpoint *unwrap(napi_env env, napi_value v) {
  void *data = NULL;
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external || napi_get_value_external(env, v, &data) != napi_ok) return NULL;
  return data;
}

/*
 * udpBatchSendTo(handle, data: Uint8Array, family, port, scope, a0, a1, a2, a3) -> 0 when sent,
 * else the errno (EAGAIN included: an answer never waits; EBADF once closed). For answers that
 * come after their batch (upstream resolution).
 */
static napi_value udp_batch_send_to(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9], rv;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  endpoint *ep = argc == 9 ? unwrap(env, argv[0]) : NULL;
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  int32_t w[7];
  if (ep == NULL || napi_get_typedarray_info(env, argv[1], &type, &length, &data, NULL, NULL) != napi_ok || type != napi_uint8_array)
    return bad_args(env, "udpBatchSendTo(handle, data, family, port, scope, a0, a1, a2, a3)");
  for (int i = 0; i < 7; i++)
    if (napi_get_value_int32(env, argv[2 + i], &w[i]) != napi_ok) return bad_args(env, "udpBatchSendTo: numbers expected");
  int err = 0;
  struct sockaddr_in6 sa;
  memset(&sa, 0, sizeof sa);
  socklen_t salen;
  if (w[0] == 6) {
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons((uint16_t)w[1]);
    sa.sin6_scope_id = (uint32_t)w[2];
    for (int i = 0; i < 4; i++) {
      uint32_t word = htonl((uint32_t)w[3 + i]);
      memcpy(sa.sin6_addr.s6_addr + 4 * i, &word, 4);
    }
    salen = sizeof sa;
  } else {
    struct sockaddr_in *sa4 = (struct sockaddr_in *)&sa;
    sa4->sin_family = AF_INET;
    sa4->sin_port = htons((uint16_t)w[1]);
    sa4->sin_addr.s_addr = htonl((uint32_t)w[3]);
    salen = sizeof *sa4;
  }
  if (ep->closed) err = EBADF;
  else {
    ssize_t r;
    do r = sendto(ep->fd, data, length, MSG_DONTWAIT, (struct sockaddr *)&sa, salen);
    while (r < 0 && errno == EINTR);
    if (r < 0) err = errno;
  }
  CHECK(napi_create_int32(env, err, &rv));
  return rv;
}

/* udpBatchClose(handle): stops reading and closes the fd now; later calls do nothing. */
static napi_value udp_batch_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  endpoint *ep = argc == 1 ? unwrap(env, argv[0]) : NULL;
  if (ep == NULL) return bad_args(env, "udpBatchClose(handle)");
  ep_close(ep, 0);
  return NULL;
}

napi_value gh_udp_batch_init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"udpBatchOpen", NULL, udp_batch_open, NULL, NULL, NULL, napi_default, NULL},
      {"udpBatchSendTo", NULL, udp_batch_send_to, NULL, NULL, NULL, napi_default, NULL},
      {"udpBatchClose", NULL, udp_batch_close, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
