/*
 * memory.c - the C library's allocator, tuned for a long-running server with several threads
 * (glibc; mallopt(3)).
 *
 * glibc gives each thread that allocates its own arena, up to 8 per core, and keeps what a thread
 * frees in that thread's arena. The gateway's threads (policy compile, records sink, retention,
 * DNS workers) each make bursts of native allocations (zlib, SQLite, structured clones), so their
 * arenas stay resident after the burst: measured with the million-rule policy, limiting arenas to
 * 2 brought the DNS node's resident memory from 240 to 219 MiB (bench/dns.ts).
 */
#define _GNU_SOURCE
#include <malloc.h>

#include "errors.h"

/*
 * limitMallocArenas(n) -> boolean: mallopt(M_ARENA_MAX, n). Threads that have not allocated yet
 * (every worker thread started later) share the n arenas. false when glibc refused it.
 */
static napi_value limit_malloc_arenas(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t n = 0;
  napi_value result;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_int32(env, argv[0], &n) != napi_ok || n < 1) {
    napi_throw_type_error(env, "ERR_INVALID_ARG", "limitMallocArenas(n), n >= 1");
    return NULL;
  }
  CHECK(napi_get_boolean(env, mallopt(M_ARENA_MAX, n) == 1, &result));
  return result;
}

napi_value gh_memory_init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"limitMallocArenas", NULL, limit_malloc_arenas, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
