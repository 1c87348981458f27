// What the cache service's translation units share: a level as the service
// holds it, and the per-region counters. Not for use outside cache/.
#pragma once

#include "cache/cache_service.h"
#include "cache/deadline_window.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace wno::host {

inline const std::string& regionLabel(const std::string& region) {
  static const std::string fallback = "default";
  return region.empty() ? fallback : region;
}

struct LevelGauges {
  prometheus::Gauge* entries = nullptr;
  prometheus::Gauge* bytes = nullptr;
  prometheus::Gauge* evictions = nullptr;
};

struct CacheService::Level {
  std::string name;
  std::unique_ptr<CacheBackendInstance> backend;
  std::shared_ptr<CircuitBreaker> breaker;  // null for L1: it is in-process and cannot be "down"
  std::unique_ptr<DeadlineWindow> misses;   // with the breaker: when late answers count against it
  int64_t timeoutNs = 0;                    // soft deadline of get/set/delete; 0 for L1
  prometheus::Counter* errors = nullptr;
  prometheus::Counter* skipped = nullptr;
  prometheus::Counter* timeouts = nullptr;
  prometheus::Gauge* breakerState = nullptr;
  prometheus::Histogram* getLatency = nullptr;
  prometheus::Histogram* setLatency = nullptr;
  LevelGauges gauges;
  std::atomic<uint64_t> timeoutCount{0}, errorCount{0}, skippedCount{0};
  bool listening = false;
};

struct CacheService::RegionCounters {
  explicit RegionCounters(std::string name) : name(std::move(name)) {}
  std::string name;
  std::vector<std::unique_ptr<PublishedCounter>> hitsByLevel;
  std::unique_ptr<PublishedCounter> misses, staleServed, computes, computeErrors, joins;
  // Computed values not kept: what they were computed from was
  // invalidated meanwhile (invalidation_epochs.h).
  std::unique_ptr<PublishedCounter> superseded;
  // Distributed single-flight: leaders that found another host's lease, got
  // its value from the shared level, or computed after waiting it out.
  std::unique_ptr<PublishedCounter> remoteWaits, remoteJoins, remoteWaitsOut;
  prometheus::Gauge* multiplierMetric = nullptr;
  std::vector<prometheus::Gauge*> hitRatioByLevel;  // refreshed with the published counters

  // Share of lookups (hits at any level plus misses) that `hits` answered.
  double ratioOf(uint64_t hits) const {
    const uint64_t lookups = this->hits() + misses->load();
    return lookups == 0 ? 0.0 : static_cast<double>(hits) / static_cast<double>(lookups);
  }
  uint64_t hits() const {
    uint64_t n = 0;
    for (const auto& h : hitsByLevel) n += h->load();
    return n;
  }
};

}  // namespace wno::host
