#include "protection/circuit_breaker.h"

namespace wno::host {

BreakerOptions breakerOptionsFrom(const nlohmann::json& b) {
  BreakerOptions o;
  if (!b.is_object()) return o;
  o.failureThreshold = b.value("failure_threshold", o.failureThreshold);
  o.failureRate = b.value("failure_rate", o.failureRate);
  o.window = b.value("window", o.window);
  o.minimumCalls = b.value("minimum_calls", o.minimumCalls);
  o.openFor = std::chrono::milliseconds(b.value("open_ms", static_cast<int64_t>(o.openFor.count())));
  o.halfOpenCalls = b.value("half_open_calls", o.halfOpenCalls);
  return o;
}

std::optional<bool> breakerEnabled(const nlohmann::json& b) {
  if (!b.is_object()) return std::nullopt;
  auto it = b.find("enabled");
  if (it == b.end() || !it->is_boolean()) return std::nullopt;
  return it->get<bool>();
}

}  // namespace wno::host
