/* A plugin compiled against the frozen ABI 1.0 headers (tests/abi/1.0). It
 * must keep loading in every later 1.x host. */
#include <wno/plugin.h>

static wno_status create(const wno_host_api* api, wno_host_ctx* ctx, wno_str config, void** out) {
  (void)config;
  api->log(ctx, WNO_LOG_INFO, wno_str_of("old_minor probe created"));
  *out = (void*)0;
  return WNO_OK;
}
static void destroy(void* self) { (void)self; }
static wno_status check(void* self, int64_t timeout_ms, const wno_probe_sink* out) {
  wno_probe_report report = {sizeof(wno_probe_report), WNO_HEALTH_UP, 0.25, {"built against 1.0", 17}, {"{}", 2}};
  (void)self;
  (void)timeout_ms;
  out->report(out->ctx, &report);
  return WNO_OK;
}
static const wno_type_health_probe type = {sizeof(wno_type_health_probe), create, destroy, check};
static const wno_component components[] = {{sizeof(wno_component), WNO_KIND_HEALTH_PROBE, "old_minor", "", &type}};
static const wno_plugin plugin = {sizeof(wno_plugin), 1, 0, "old_minor", "1.0.0", "", components, 1, 0, 0};
WNO_PLUGIN_ENTRY(major, minor) {
  (void)major;
  (void)minor;
  return &plugin;
}
