/*
 * Gatehouse's native addon (Linux only, optional): the socket options and system calls Node 20
 * does not expose. Each part registers its functions on the one exports object:
 *   sockets.c   - SO_REUSEPORT listeners (one socket per worker thread), SO_ORIGINAL_DST;
 *   udp_batch.c - recvmmsg/sendmmsg: many datagrams per system call and per JS callback;
 *   threads.c   - sched_yield for helper threads, to let the threads that answer queries in;
 *   memory.c    - malloc_trim, to give the arenas' free pages back.
 * Without the addon Gatehouse runs on Node's own sockets (see src/native/index.ts).
 */
#include <node_api.h>

napi_value gh_sockets_init(napi_env env, napi_value exports);
napi_value gh_udp_batch_init(napi_env env, napi_value exports);
napi_value gh_threads_init(napi_env env, napi_value exports);
napi_value gh_memory_init(napi_env env, napi_value exports);

NAPI_MODULE_INIT() {
  gh_sockets_init(env, exports);
  gh_udp_batch_init(env, exports);
  gh_threads_init(env, exports);
  gh_memory_init(env, exports);
  return exports;
}
