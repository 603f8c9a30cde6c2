/*
 * Sockets Node 20 cannot make: SO_REUSEPORT listeners, so that each worker thread owns a socket of
 * one port and the kernel spreads datagrams and connections over them (socket(7): SO_REUSEPORT;
 * Node gains `reusePort` only in 22.12). The socket is made and bound here; Node adopts the fd
 * (`dgram` bind({fd}), `net` listen({fd})), so everything after bind is Node's own code.
 * Also the original destination of a connection an nftables/iptables `redirect` (or `dnat`)
 * rule sent to a transparent listener, which Node cannot read (getsockopt SO_ORIGINAL_DST).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <node_api.h>

#include "errors.h"
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
/* After <netinet/in.h>: the uapi headers then skip what libc already defined (linux/libc-compat.h). */
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6/ip6_tables.h>

/*
 * bindSocket(type: 'udp' | 'tcp', address: string (IPv4 or IPv6 literal), port: number,
 *            reusePort: boolean) -> { fd, port }
 * Non-blocking, close-on-exec; IPv6 sockets are IPv6-only (as Node binds them); TCP sockets get
 * SO_REUSEADDR (as Node's do). Not listening yet: `net` calls listen() when it adopts the fd.
 */
static napi_value bind_socket(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4) {
    napi_throw_type_error(env, "ERR_INVALID_ARG", "bindSocket(type, address, port, reusePort)");
    return NULL;
  }
  char type[8] = {0};
  char address[64] = {0};
  size_t len = 0;
  int32_t port = 0;
  bool reuse = false;
  if (napi_get_value_string_utf8(env, argv[0], type, sizeof type, &len) != napi_ok ||
      napi_get_value_string_utf8(env, argv[1], address, sizeof address, &len) != napi_ok ||
      napi_get_value_int32(env, argv[2], &port) != napi_ok || napi_get_value_bool(env, argv[3], &reuse) != napi_ok ||
      port < 0 || port > 65535 || (strcmp(type, "udp") != 0 && strcmp(type, "tcp") != 0)) {
    napi_throw_type_error(env, "ERR_INVALID_ARG", "bindSocket(type 'udp'|'tcp', address, port 0..65535, reusePort)");
    return NULL;
  }
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  socklen_t sslen;
  int family;
  struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
  if (inet_pton(AF_INET, address, &v4->sin_addr) == 1) {
    family = AF_INET;
    v4->sin_family = AF_INET;
    v4->sin_port = htons((uint16_t)port);
    sslen = sizeof *v4;
  } else if (inet_pton(AF_INET6, address, &v6->sin6_addr) == 1) {
    family = AF_INET6;
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons((uint16_t)port);
    sslen = sizeof *v6;
  } else {
    napi_throw_type_error(env, "ERR_INVALID_ARG", "bindSocket: address is not an IP literal");
    return NULL;
  }
  int stream = strcmp(type, "tcp") == 0;
  int fd = socket(family, (stream ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  int one = 1;
  if ((family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0) ||
      (stream && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) ||
      (reuse && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)) {
    int err = errno;
    close(fd);
    return throw_errno(env, "setsockopt", err);
  }
  if (bind(fd, (struct sockaddr *)&ss, sslen) != 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "bind", err);
  }
  struct sockaddr_storage bound;
  socklen_t boundlen = sizeof bound;
  if (getsockname(fd, (struct sockaddr *)&bound, &boundlen) != 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "getsockname", err);
  }
  int bound_port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&bound)->sin_port
                                           : ((struct sockaddr_in6 *)&bound)->sin6_port);
  napi_value result, jfd, jport;
  CHECK(napi_create_object(env, &result));
  CHECK(napi_create_int32(env, fd, &jfd));
  CHECK(napi_create_int32(env, bound_port, &jport));
  CHECK(napi_set_named_property(env, result, "fd", jfd));
  CHECK(napi_set_named_property(env, result, "port", jport));
  return result;
}

/* closeFd(fd): closes an fd that Node never adopted (an error between bindSocket and adoption). */
static napi_value close_fd(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, "ERR_INVALID_ARG", "closeFd(fd)");
    return NULL;
  }
  if (close(fd) != 0) return throw_errno(env, "close", errno);
  return NULL;
}

/*
 * originalDestination(fd) -> { address, port, family: 4 | 6 } | null
 * The destination the client connected to before netfilter NAT rewrote it (nft(8) `redirect` /
 * `dnat`, iptables-extensions(8) REDIRECT / DNAT): getsockopt(SOL_IP,
 * SO_ORIGINAL_DST) on IPv4 (linux/netfilter_ipv4.h) and getsockopt(SOL_IPV6, IP6T_SO_ORIGINAL_DST)
 * on IPv6 (linux/netfilter_ipv6/ip6_tables.h), both answered from the connection's conntrack entry
 * (net/netfilter/nf_conntrack_proto.c: getorigdst, ipv6_getorigdst). null when there is none:
 * ENOENT (no conntrack entry: conntrack is not tracking this connection) or ENOPROTOOPT (conntrack
 * not loaded in this network namespace). A tracked connection that was NOT rewritten answers its
 * own local address: the caller compares with the socket's local address (see src/proxy).
 * Other errors (EBADF, ENOTSOCK…) throw with the errno name as `code`.
 */
static napi_value original_destination(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, "ERR_INVALID_ARG", "originalDestination(fd)");
    return NULL;
  }
  /* The socket's own family decides which option to ask (an IPv6 listener is IPv6-only here). */
  struct sockaddr_storage local;
  socklen_t locallen = sizeof local;
  if (getsockname(fd, (struct sockaddr *)&local, &locallen) != 0) return throw_errno(env, "getsockname", errno);
  struct sockaddr_storage orig;
  memset(&orig, 0, sizeof orig);
  socklen_t origlen;
  int rc;
  if (local.ss_family == AF_INET) {
    origlen = sizeof(struct sockaddr_in);
    rc = getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, &orig, &origlen);
  } else if (local.ss_family == AF_INET6) {
    origlen = sizeof(struct sockaddr_in6);
    rc = getsockopt(fd, SOL_IPV6, IP6T_SO_ORIGINAL_DST, &orig, &origlen);
  } else {
    napi_throw_type_error(env, "ERR_INVALID_ARG", "originalDestination: not an IPv4 or IPv6 socket");
    return NULL;
  }
  napi_value result;
  if (rc != 0) {
    if (errno == ENOENT || errno == ENOPROTOOPT) {
      CHECK(napi_get_null(env, &result));
      return result;
    }
    return throw_errno(env, "getsockopt SO_ORIGINAL_DST", errno);
  }
  char text[INET6_ADDRSTRLEN] = {0};
  int port, family;
  if (local.ss_family == AF_INET) {
    struct sockaddr_in *a = (struct sockaddr_in *)&orig;
    inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
    port = ntohs(a->sin_port);
    family = 4;
  } else {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&orig;
    inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
    port = ntohs(a->sin6_port);
    family = 6;
  }
  napi_value jaddress, jport, jfamily;
  CHECK(napi_create_object(env, &result));
  CHECK(napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &jaddress));
  CHECK(napi_create_int32(env, port, &jport));
  CHECK(napi_create_int32(env, family, &jfamily));
  CHECK(napi_set_named_property(env, result, "address", jaddress));
  CHECK(napi_set_named_property(env, result, "port", jport));
  CHECK(napi_set_named_property(env, result, "family", jfamily));
  return result;
}

napi_value gh_sockets_init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"bindSocket", NULL, bind_socket, NULL, NULL, NULL, napi_default, NULL},
      {"closeFd", NULL, close_fd, NULL, NULL, NULL, napi_default, NULL},
      {"originalDestination", NULL, original_destination, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
