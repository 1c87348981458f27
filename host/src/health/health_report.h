// The bodies of /health, /readyz and /health/history, from a snapshot of
// what the host runs. The host gathers the inputs (it owns the services);
// the judgement lives here: an optional probe that fails degrades the host,
// a required one takes it down, and any breaker that is not closed means a
// dependency is failing.
#pragma once

#include "health/load_factor.h"
#include "health/probe_runner.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace wno::host {

struct HealthInputs {
  std::vector<ProbeSnapshot> probes;
  nlohmann::json breakers = nlohmann::json::array();  // BreakerRegistry::toJson()
  double loadFactor = 0;
  const LoadFactor* load = nullptr;
  bool accepting = false;
  bool shedding = false;
  nlohmann::json protection;  // Protection::toJson(), null without protection
  int64_t httpInFlight = 0;
  nlohmann::json jobs;  // {"worker","running"}, null without jobs
  double uptimeSeconds = 0;
};

nlohmann::json healthJson(const HealthInputs& in);

// Why the host should not get traffic now; empty when it is ready.
std::vector<std::string> notReadyReasons(bool accepting, bool shedding, const std::vector<ProbeSnapshot>& probes);

nlohmann::json loadHistoryJson(const LoadFactor* load, std::chrono::milliseconds interval);

}  // namespace wno::host
