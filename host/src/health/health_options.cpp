#include "health/health_options.h"

#include "config/options_reader.h"
#include "protection/circuit_breaker.h"

namespace wno::host {

std::vector<ProbeConfig> probeConfigsFrom(const nlohmann::json& health) {
  const config::FilledSection filled(health, "/health");
  const config::OptionsNode probes = filled.node().child("probes");
  std::vector<ProbeConfig> out;
  for (size_t i = 0; i < probes.size(); ++i) {
    const config::OptionsNode p = probes.item(i);
    ProbeConfig probe;
    probe.component = componentConfigFrom(p);
    probe.options.name = probe.component.name;
    probe.options.interval = std::chrono::milliseconds(p.get<int64_t>("interval_ms"));
    probe.options.timeout = std::chrono::milliseconds(p.get<int64_t>("timeout_ms"));
    probe.options.required = p.get<bool>("required");
    probe.breaker = p.get<nlohmann::json>("breaker");
    probe.breakerEnabled = breakerEnabled(probe.breaker).value_or(false);
    out.push_back(std::move(probe));
  }
  return out;
}

LoadFactorConfig loadFactorConfigFrom(const nlohmann::json& loadFactor) {
  const config::FilledSection filled(loadFactor, "/load_factor");
  const config::OptionsNode lf = filled.node();
  LoadFactorConfig c;
  c.options.interval = std::chrono::milliseconds(lf.get<int64_t>("interval_ms"));
  c.options.smoothing = lf.get<double>("smoothing");
  c.options.historySize = lf.get<size_t>("history_size");
  if (!lf.child("fixed").json().is_null()) c.options.fixed = lf.get<double>("fixed");  // null (the default): not pinned
  if (lf.has("signals")) {
    const config::OptionsNode signals = lf.child("signals");
    c.signals.emplace();
    for (size_t i = 0; i < signals.size(); ++i) {
      c.signals->emplace_back(signals.item(i).get<std::string>("source"), signals.item(i).get<double>("weight"));
    }
  }
  return c;
}

}  // namespace wno::host
