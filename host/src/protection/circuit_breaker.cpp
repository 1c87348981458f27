#include "protection/circuit_breaker.h"

#include "config/options_reader.h"

namespace wno::host {

BreakerOptions breakerOptionsFrom(const nlohmann::json& b) {
  BreakerOptions o;
  if (!b.is_object()) return o;
  const nlohmann::json filled = config::withDefinitionDefaults(b, "breaker");
  const config::OptionsNode n(filled, "");
  o.failureThreshold = n.get<int>("failure_threshold");
  o.failureRate = n.get<double>("failure_rate");
  o.window = n.get<size_t>("window");
  o.minimumCalls = n.get<size_t>("minimum_calls");
  o.openFor = std::chrono::milliseconds(n.get<int64_t>("open_ms"));
  o.halfOpenCalls = n.get<int>("half_open_calls");
  return o;
}

std::optional<bool> breakerEnabled(const nlohmann::json& b) {
  if (!b.is_object()) return std::nullopt;
  auto it = b.find("enabled");
  if (it == b.end() || !it->is_boolean()) return std::nullopt;
  return it->get<bool>();
}

}  // namespace wno::host
