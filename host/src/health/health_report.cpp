#include "health/health_report.h"

#include "health/process_resources.h"

#include <wno/plugin.h>

#include <algorithm>

namespace wno::host {

nlohmann::json healthJson(const HealthInputs& in) {
  nlohmann::json probes = nlohmann::json::array();
  wno_health overall = WNO_HEALTH_UP;
  for (const auto& s : in.probes) {
    probes.push_back(s.toJson());
    if (!s.checked && !s.timedOut) continue;
    // A failing optional probe degrades the host; only required ones take it down.
    wno_health effect = s.required ? s.status : std::min<wno_health>(s.status, WNO_HEALTH_DEGRADED);
    overall = std::max(overall, effect);
  }
  // Every circuit breaker (cache levels, repositories, shared rate limits,
  // probes): one that is not closed means a dependency is failing.
  for (const auto& b : in.breakers) {
    if (b["state"] != "closed") overall = std::max<wno_health>(overall, WNO_HEALTH_DEGRADED);
  }
  return {{"status", healthName(overall)},
          {"version", WNO_HOST_VERSION},
          {"abi", std::to_string(WNO_ABI_VERSION_MAJOR) + "." + std::to_string(WNO_ABI_VERSION_MINOR)},
          {"uptime_s", in.uptimeSeconds},
          {"load_factor", in.loadFactor},
          {"load", in.load ? in.load->toJson() : nlohmann::json(nullptr)},
          {"accepting", in.accepting},
          {"shedding", in.shedding},
          {"protection", in.protection},
          {"http_in_flight", in.httpInFlight},
          {"resources", processResources()},
          {"jobs", in.jobs},
          {"probes", probes},
          {"breakers", in.breakers}};
}

std::vector<std::string> notReadyReasons(bool accepting, bool shedding, const std::vector<ProbeSnapshot>& probes) {
  std::vector<std::string> reasons;
  if (!accepting) reasons.push_back("the host is not accepting traffic (starting or shutting down)");
  // A shedding host tells the load balancer to send traffic elsewhere.
  if (shedding) reasons.push_back("shedding load (load factor above the threshold)");
  for (const auto& s : probes) {
    if (!s.required) continue;
    if (!s.checked && !s.timedOut) reasons.push_back("probe " + s.name + ": not checked yet");
    else if (s.status == WNO_HEALTH_DOWN) reasons.push_back("probe " + s.name + ": down: " + s.message);
  }
  return reasons;
}

nlohmann::json loadHistoryJson(const LoadFactor* load, std::chrono::milliseconds interval) {
  nlohmann::json samples = nlohmann::json::array();
  if (load) {
    for (const auto& s : load->history()) samples.push_back({{"at_ms", s.atMs}, {"value", s.value}, {"raw", s.raw}});
  }
  return {{"interval_ms", interval.count()}, {"samples", samples}};
}

}  // namespace wno::host
