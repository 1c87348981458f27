// Runs a shipped probe the way the host does: the real plugin .so loaded
// by the PluginManager, one instance created from a config, on_check
// through the C vtable. For probe tests against real dependencies.
#pragma once

#include "plugins/component_instance.h"
#include "plugins/plugin_manager.h"
#include "services/host_api.h"
#include "services/host_services.h"

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

namespace wno::test {

struct ProbeRun {
  wno_status status = WNO_OK;  // the hook's return; not OK means down
  std::string error;           // the set_error message when not OK
  wno_health health = WNO_HEALTH_DOWN;
  double load = -1;
  std::string message;
  nlohmann::json details;
};

class ProbeHarness {
 public:
  // Loads plugin `plugin` from the build's plugin directory.
  explicit ProbeHarness(const std::string& plugin) {
    host::PluginSpec spec;
    spec.name = plugin;
    host::PluginRefusal refusal;
    if (!manager_.load(spec, {WNO_TEST_PLUGIN_DIR}, refusal).isOk()) throw std::runtime_error(refusal.line());
  }

  // An instance of probe component `type`; the error message when refused.
  host::Result<std::unique_ptr<host::HealthProbeInstance>> create(const std::string& type, const nlohmann::json& config) {
    auto t = manager_.find(WNO_KIND_HEALTH_PROBE, type);
    if (!t) return host::Status(WNO_ERR_INVALID, "no probe component " + type);
    return host::HealthProbeInstance::create(t, host::hostApiTable(), &services_, type, config);
  }

  static ProbeRun check(host::HealthProbeInstance& probe, int64_t timeoutMs = 2000) {
    ProbeRun run;
    wno_probe_sink sink{&run, [](void* ctx, const wno_probe_report* r) {
                          auto* out = static_cast<ProbeRun*>(ctx);
                          out->health = r->status;
                          out->load = r->load;
                          out->message.assign(r->message.data ? r->message.data : "", r->message.len);
                          out->details = nlohmann::json::parse(
                              std::string(r->details_json.data ? r->details_json.data : "{}",
                                          r->details_json.data ? r->details_json.len : 2));
                        }};
    host::Status s = probe.call("on_check", probe.vtable().on_check, timeoutMs, &sink);
    run.status = s.code();
    if (!s.isOk()) run.error = s.message();
    return run;
  }

 private:
  host::HostServices services_;
  host::PluginManager manager_{host::hostApiTable(), &services_};
};

}  // namespace wno::test
