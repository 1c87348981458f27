// HostRuntime's health wiring: the load factor's signals, and the inputs
// of /health, /readyz and /health/history (judged in health/health_report.h).
#include "app/host_runtime.h"

#include "core/logger.h"
#include "health/health_report.h"

#include <algorithm>

namespace wno::host {

std::vector<LoadSignal> HostRuntime::loadSignals(const LoadFactorConfig& config) const {
  // "probe:<name>" reads a probe's load signal; "http_in_flight" is requests
  // in flight over HTTP worker threads. Without a list: every probe and
  // http_in_flight, equally weighted.
  std::vector<std::pair<std::string, double>> sources;
  if (config.signals) {
    sources = *config.signals;
  } else {
    for (const auto& probe : probes_) sources.emplace_back("probe:" + probe->options().name, 1.0);
    sources.emplace_back("http_in_flight", 1.0);
  }
  std::vector<LoadSignal> signals;
  const double threads = std::max(1, http::httpOptionsFrom(section("http")).server.threads);
  for (const auto& [source, weight] : sources) {
    LoadSignal signal{source, weight, nullptr};
    if (source == "http_in_flight") {
      signal.read = [this, threads]() -> std::optional<double> {
        if (!http_) return std::nullopt;
        return std::min(1.0, http_->inFlight() / threads);
      };
    } else if (source == "jobs_running") {
      // Worker slots in use: a host busy with jobs has less room for requests.
      signal.read = [this]() -> std::optional<double> {
        if (!jobs_) return std::nullopt;
        int slots = 0;
        for (const auto& [name, q] : jobs_->config().queues) slots += q.concurrency;
        if (slots == 0) return std::nullopt;
        return std::min(1.0, static_cast<double>(jobs_->running()) / slots);
      };
    } else if (source.rfind("probe:", 0) == 0) {
      const std::string name = source.substr(6);
      for (const auto& probe : probes_) {
        if (probe->options().name != name) continue;
        ProbeRunner* runner = probe.get();
        signal.read = [runner]() -> std::optional<double> {
          ProbeSnapshot s = runner->snapshot();
          if (!s.checked || s.load < 0) return std::nullopt;
          return s.load;
        };
      }
    }
    if (!signal.read) {
      logWarn("load", "unknown load signal source ignored", {{"source", source}});
      continue;
    }
    signals.push_back(std::move(signal));
  }
  return signals;
}

std::vector<ProbeSnapshot> HostRuntime::probeSnapshots() const {
  std::vector<ProbeSnapshot> snapshots;
  for (const auto& probe : probes_) snapshots.push_back(probe->snapshot());
  return snapshots;
}

bool HostRuntime::ready(std::vector<std::string>& reasons) const {
  const bool shedding = protection_ && protection_->shedding();
  for (auto& reason : notReadyReasons(accepting_.load(), shedding, probeSnapshots())) reasons.push_back(std::move(reason));
  return reasons.empty();
}

nlohmann::json HostRuntime::healthJson() const {
  HealthInputs in;
  in.probes = probeSnapshots();
  in.breakers = services_->breakers().toJson();
  in.loadFactor = services_->loadFactor();
  in.load = load_.get();
  in.accepting = accepting_.load();
  in.shedding = protection_ ? protection_->shedding() : false;
  in.protection = protection_ ? protection_->toJson() : nlohmann::json(nullptr);
  in.httpInFlight = http_ ? http_->inFlight() : 0;
  in.jobs = jobs_ ? nlohmann::json{{"worker", jobs_->workerId()},
                                    {"running", jobs_->running()},
                                    {"oldest_lease_age_ms", jobs_->oldestLeaseAgeMs()}}
                  : nlohmann::json(nullptr);
  in.uptimeSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - startedAt_).count();
  return host::healthJson(in);
}

nlohmann::json HostRuntime::loadHistoryJson() const { return host::loadHistoryJson(load_.get(), loadInterval_); }

}  // namespace wno::host
