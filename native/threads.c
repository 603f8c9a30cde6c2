/*
 * Thread scheduling Node cannot set: SCHED_IDLE for the calling thread (sched(7)), so a helper
 * thread (the records sink's SQLite writes, the retention job) runs only on CPU time the threads
 * that answer queries leave, and is preempted at once when one of them wakes. A nice value does
 * not do that: under EEVDF (Linux 6.6 and later) a running thread keeps the CPU for its slice
 * whatever its weight, so a woken DNS thread waited behind each write for up to a few ms.
 * On Linux the policy is per thread: pid 0 names the calling thread only.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <node_api.h>
#include <sched.h>

#include "errors.h"

/* setThreadIdle() -> undefined; throws an Error with the errno's name when the kernel refuses. */
static napi_value set_thread_idle(napi_env env, napi_callback_info info) {
  (void)info;
  struct sched_param param = {.sched_priority = 0};
  if (sched_setscheduler(0, SCHED_IDLE, &param) != 0) return throw_errno(env, "sched_setscheduler SCHED_IDLE", errno);
  return NULL;
}

napi_value gh_threads_init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"setThreadIdle", NULL, set_thread_idle, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
