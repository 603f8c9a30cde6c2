/*
 * Giving freed heap memory back to the kernel: malloc_trim(3). glibc keeps a thread's freed chunks
 * in that thread's arena and, on its own, returns only a free stretch at an arena's top, so the
 * chunks the DNS workers, the records threads and the policy compiler free in between stay
 * resident (gdb's malloc_stats on a gateway with two DNS workers at 20k queries/s: 85 MB held by
 * the arenas, 43 MB of it free; one malloc_trim took RSS from 292 to 263 MiB). malloc_trim(0)
 * madvises every arena's free pages away. It runs on libuv's thread pool, not on the calling
 * thread: it takes each arena's lock in turn and took 0.2-2 ms here, which the thread that answers
 * queries should not wait for. src/main/memory.ts calls it every 2 s.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <node_api.h>
#include <stdlib.h>
#include <time.h>

typedef struct trim_job {
  napi_async_work work;
  napi_ref done;
  int released;
  double micros;
} trim_job;

static void trim_execute(napi_env env, void *data) {
  (void)env;
  trim_job *job = data;
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  job->released = malloc_trim(0);
  clock_gettime(CLOCK_MONOTONIC, &b);
  job->micros = (double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) / 1e3;
}

static void trim_complete(napi_env env, napi_status status, void *data) {
  trim_job *job = data;
  napi_value done, undefined, argv[2];
  if (status == napi_ok && napi_get_reference_value(env, job->done, &done) == napi_ok && done != NULL) {
    napi_get_undefined(env, &undefined);
    napi_get_boolean(env, job->released == 1, &argv[0]);
    napi_create_double(env, job->micros, &argv[1]);
    napi_call_function(env, undefined, done, 2, argv, NULL);
  }
  napi_delete_reference(env, job->done);
  napi_delete_async_work(env, job->work);
  free(job);
}

/* trimMemory(done(released: boolean, micros: number)) -> undefined: malloc_trim(0) on the pool. */
static napi_value trim_memory(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], name;
  napi_valuetype type;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_typeof(env, argv[0], &type) != napi_ok || type != napi_function) {
    napi_throw_type_error(env, NULL, "trimMemory(done): done must be a function");
    return NULL;
  }
  trim_job *job = calloc(1, sizeof *job);
  if (job == NULL) {
    napi_throw_error(env, "ENOMEM", "trimMemory: out of memory");
    return NULL;
  }
  napi_create_string_utf8(env, "gatehouse:trimMemory", NAPI_AUTO_LENGTH, &name);
  if (napi_create_reference(env, argv[0], 1, &job->done) != napi_ok ||
      napi_create_async_work(env, NULL, name, trim_execute, trim_complete, job, &job->work) != napi_ok ||
      napi_queue_async_work(env, job->work) != napi_ok) {
    if (job->done != NULL) napi_delete_reference(env, job->done);
    if (job->work != NULL) napi_delete_async_work(env, job->work);
    free(job);
    napi_throw_error(env, "EINVAL", "trimMemory: could not queue the work");
  }
  return NULL;
}

napi_value gh_memory_init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"trimMemory", NULL, trim_memory, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
