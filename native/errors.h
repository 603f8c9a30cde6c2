/*
 * What every part of the addon shares: bail out of a function when an N-API call fails (an
 * exception is then pending, or the env is shutting down), and throw an Error whose `code` is the
 * errno name (EADDRINUSE…), as Node's own socket errors do. strerrorname_np(3) needs
 * _GNU_SOURCE defined before the first #include of the including file.
 */
#ifndef GATEHOUSE_NATIVE_ERRORS_H
#define GATEHOUSE_NATIVE_ERRORS_H

#include <node_api.h>
#include <stdio.h>
#include <string.h>

#define CHECK(call)                                                                               \
  do {                                                                                            \
    if ((call) != napi_ok) return NULL;                                                           \
  } while (0)

static inline napi_value throw_errno(napi_env env, const char *what, int err) {
  const char *name = strerrorname_np(err);
  char message[160];
  snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  napi_throw_error(env, name != NULL ? name : "EUNKNOWN", message);
  return NULL;
}

#endif
