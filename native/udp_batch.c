#include <node_api.h>

napi_value gh_udp_batch_init(napi_env env, napi_value exports) {
  (void)env;
  return exports;
}
