// /admin/cache/stats: each level's own figures and health, and the hit,
// miss, stale and compute counts per region.
#include "cache/cache_service_internal.h"

#include <wno/sdk/sinks.hpp>

namespace wno::host {

nlohmann::json CacheService::stats() const {
  nlohmann::json levels = nlohmann::json::array();
  for (const auto& level : levels_) {
    std::string text;
    wno_sink sink = sdk::sinkInto(text);
    Status status = level->backend->call("on_stats", level->backend->vtable().on_stats, &sink);
    nlohmann::json stats = status.isOk() ? nlohmann::json::parse(text, nullptr, false)
                                         : nlohmann::json{{"error", status.message()}};
    if (stats.is_discarded()) stats = {{"error", "backend returned invalid JSON stats"}};
    levels.push_back({{"name", level->name},
                      {"backend", level->backend->type().name},
                      {"circuit", level->breaker ? breakerStateName(level->breaker->state()) : "none"},
                      {"backplane", level->listening},
                      {"timeout_ms", level->timeoutNs / 1'000'000},
                      {"timeouts", level->timeoutCount.load(std::memory_order_relaxed)},
                      {"errors", level->errorCount.load(std::memory_order_relaxed)},
                      {"skipped", level->skippedCount.load(std::memory_order_relaxed)},
                      {"stats", stats}});
  }
  nlohmann::json regions = nlohmann::json::object();
  {
    std::lock_guard lock(regionsMutex_);
    for (const auto& c : regionCounters_) {
      nlohmann::json byLevel = nlohmann::json::object();
      nlohmann::json ratioByLevel = nlohmann::json::object();
      for (size_t i = 0; i < levels_.size() && i < c->hitsByLevel.size(); ++i) {
        byLevel[levels_[i]->name] = c->hitsByLevel[i]->load();
        ratioByLevel[levels_[i]->name] = c->ratioOf(c->hitsByLevel[i]->load());
      }
      nlohmann::json entry = {{"hits", c->hits()},
                              {"hits_by_level", byLevel},
                              {"hit_ratio", c->ratioOf(c->hits())},
                              {"hit_ratio_by_level", ratioByLevel},
                              {"misses", c->misses->load()},
                              {"stale_served", c->staleServed->load()},
                              {"computes", c->computes->load()},
                              {"compute_errors", c->computeErrors->load()},
                              {"computes_superseded", c->superseded->load()},
                              {"singleflight_joins", c->joins->load()},
                              {"distributed_waits", c->remoteWaits->load()},
                              {"distributed_joins", c->remoteJoins->load()},
                              {"distributed_waits_exceeded", c->remoteWaitsOut->load()},
                              {"ttl_multiplier", ttlMultiplier(c->name)}};
      const RegionPolicy* policy = policyFor(c->name);
      entry["ttl_ms"] = policy && policy->ttlMs > 0 ? policy->ttlMs : options_.defaultTtlMs;
      entry["fail_safe_ms"] = failSafeMsFor(c->name);
      entry["max_share"] = policy && policy->maxShare ? nlohmann::json(*policy->maxShare) : nlohmann::json();
      regions[regionLabel(c->name)] = std::move(entry);
    }
  }
  return {{"levels", levels},
          {"regions", regions},
          {"load_factor", services_.loadFactor()},
          {"adaptive_ttl", {{"enabled", options_.adaptiveTtl}, {"curve", options_.curve.toJson()}, {"multiplier", ttlMultiplier("")}}},
          {"fail_safe_ms", options_.failSafeMs},
          {"distributed_single_flight",
           {{"enabled", options_.distributed.enabled},
            {"lease_level", leaseLevel_ ? nlohmann::json(leaseLevel_->name) : nlohmann::json()},
            {"lease_ms", options_.distributed.leaseMs},
            {"wait_ms", options_.distributed.waitMs}}}};
}

}  // namespace wno::host
