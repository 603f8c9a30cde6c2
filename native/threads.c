/*
 * Letting the thread that answers queries in: sched_yield(2) from a helper thread (the records
 * sink, between the INSERT statements of a write). Under EEVDF (Linux 6.6 and later) a running
 * thread keeps its CPU for its slice (RUN_TO_PARITY): a DNS thread woken by a datagram on the same
 * CPU waited behind a 1,000-record write (~2.5 ms) for up to a slice, whatever the writer's nice
 * value. A yield every 100 rows (~0.25 ms) lets it run at once, and the writer keeps its full
 * weight (SCHED_IDLE, tried, did not: the sink fell behind at 200k records/s with DNS under load).
 * The sink yields only while it keeps up (src/records/sinks/sqlite-worker.ts).
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <sched.h>

/* yieldThread() -> undefined: sched_yield(2), which cannot fail on Linux. */
static napi_value yield_thread(napi_env env, napi_callback_info info) {
  (void)env;
  (void)info;
  sched_yield();
  return NULL;
}

napi_value gh_threads_init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"yieldThread", NULL, yield_thread, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
