// The cache service's Prometheus series: per level (registered once), per
// region (created on first use), and the gauges copied from each backend's
// own figures before every scrape.
#include "cache/cache_service_internal.h"

namespace wno::host {
namespace {

// Cache calls span L1 hits (well under a microsecond) to remote round trips
// (tens of microseconds up to a timeout): the host's request buckets start
// at 0.1 ms, which would put every L1 call in the first one.
const prometheus::Histogram::BucketBoundaries& cacheBuckets() {
  static const prometheus::Histogram::BucketBoundaries buckets{
      0.000001, 0.0000025, 0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005,
      0.001,    0.0025,    0.005,    0.01,    0.025,    0.05,    0.1,    0.25,    1};
  return buckets;
}

}  // namespace

void CacheService::registerLevelMetrics(Level& level, prometheus::Registry& registry) {
  const prometheus::Labels labels{{"level", level.name}};
  level.errors = &prometheus::BuildCounter().Name("wno_cache_level_errors_total")
                      .Help("Cache backend calls that failed, by level").Register(registry).Add(labels);
  level.skipped = &prometheus::BuildCounter().Name("wno_cache_level_skipped_total")
                       .Help("Cache backend calls skipped because the level's circuit is open")
                       .Register(registry).Add(labels);
  level.timeouts = &prometheus::BuildCounter().Name("wno_cache_level_timeouts_total")
                        .Help("Cache backend calls that overran their soft deadline (the caller went on without them)")
                        .Register(registry).Add(labels);
  level.breakerState = &prometheus::BuildGauge().Name("wno_cache_breaker_state")
                            .Help("Cache level circuit: 0 closed, 1 open, 2 half-open").Register(registry).Add(labels);
  auto& latency = prometheus::BuildHistogram().Name("wno_cache_operation_duration_seconds")
                      .Help("Cache backend call duration by level and operation (L1 sampled 1 in 64)")
                      .Register(registry);
  level.getLatency = &latency.Add({{"level", level.name}, {"op", "get"}}, cacheBuckets());
  level.setLatency = &latency.Add({{"level", level.name}, {"op", "set"}}, cacheBuckets());
  level.gauges.entries = &prometheus::BuildGauge().Name("wno_cache_entries").Help("Entries held by a cache level")
                              .Register(registry).Add(labels);
  level.gauges.bytes = &prometheus::BuildGauge().Name("wno_cache_bytes").Help("Bytes held by a cache level")
                            .Register(registry).Add(labels);
  // A gauge mirroring the backend's own cumulative count (read from its stats).
  level.gauges.evictions = &prometheus::BuildGauge().Name("wno_cache_evictions")
                                .Help("Entries a cache level evicted to stay within its bounds, since start")
                                .Register(registry).Add(labels);
}

CacheService::RegionCounters& CacheService::counters(const std::string& region) {
  if (const RegionMap* map = regionMap_.load(std::memory_order_acquire)) {
    auto it = map->find(region);
    if (it != map->end()) return *it->second;
  }
  std::lock_guard lock(regionsMutex_);
  const RegionMap* current = regionMap_.load(std::memory_order_acquire);
  if (current) {
    auto it = current->find(region);
    if (it != current->end()) return *it->second;
  }
  auto slot = std::make_unique<RegionCounters>(region);
  auto& registry = services_.metrics().registry();
  const std::string& label = regionLabel(region);
  auto counter = [&](const char* name, const char* help, prometheus::Labels labels) {
    return std::make_unique<PublishedCounter>(
        &prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add(labels));
  };
  for (const auto& level : levels_) {
    slot->hitsByLevel.push_back(counter("wno_cache_hits_total", "Cache hits by level and region",
                                        {{"level", level->name}, {"region", label}}));
  }
  slot->misses = counter("wno_cache_misses_total", "Cache misses (no fresh value at any level) by region", {{"region", label}});
  slot->staleServed = counter("wno_cache_stale_served_total", "Stale values served because recomputing failed", {{"region", label}});
  slot->computes = counter("wno_cache_computes_total", "get-or-compute factory runs by region", {{"region", label}});
  slot->computeErrors = counter("wno_cache_compute_errors_total", "get-or-compute factory failures by region", {{"region", label}});
  slot->superseded = counter("wno_cache_computes_superseded_total", "Computed values not stored because their key or a tag was invalidated while computing", {{"region", label}});
  slot->joins = counter("wno_cache_singleflight_joins_total", "Callers that waited for another caller's compute", {{"region", label}});
  slot->remoteWaits = counter("wno_cache_distributed_waits_total", "get-or-compute leaders that found another host computing the key", {{"region", label}});
  slot->remoteJoins = counter("wno_cache_distributed_joins_total", "get-or-compute leaders served another host's value from the shared level", {{"region", label}});
  slot->remoteWaitsOut = counter("wno_cache_distributed_waits_exceeded_total", "get-or-compute leaders that stopped waiting for another host and computed", {{"region", label}});
  for (const auto& level : levels_) {
    slot->hitRatioByLevel.push_back(&prometheus::BuildGauge().Name("wno_cache_hit_ratio").Help("Share of lookups answered by this level since start, by region (rate() of the counters gives a windowed ratio)").Register(registry).Add({{"level", level->name}, {"region", label}}));
  }
  slot->multiplierMetric = &prometheus::BuildGauge().Name("wno_cache_ttl_multiplier").Help("TTL multiplier applied to the last write, by region").Register(registry).Add({{"region", label}});
  slot->multiplierMetric->Set(1.0);
  // Copy-on-write: readers keep using the map they loaded; it stays alive
  // (in regionMaps_) until the service is destroyed.
  auto next = std::make_unique<RegionMap>(current ? *current : RegionMap{});
  RegionCounters& created = *slot;
  (*next)[region] = slot.get();
  regionCounters_.push_back(std::move(slot));
  regionMap_.store(next.get(), std::memory_order_release);
  regionMaps_.push_back(std::move(next));
  return created;
}

void CacheService::refreshLevelGauges() {
  std::lock_guard lock(publishMutex_);
  {
    std::lock_guard regions(regionsMutex_);
    for (const auto& c : regionCounters_) {
      for (const auto& h : c->hitsByLevel) h->publish();
      c->misses->publish();
      c->staleServed->publish();
      c->computes->publish();
      c->computeErrors->publish();
      c->superseded->publish();
      c->joins->publish();
      c->remoteWaits->publish();
      c->remoteJoins->publish();
      c->remoteWaitsOut->publish();
      for (size_t i = 0; i < c->hitRatioByLevel.size() && i < c->hitsByLevel.size(); ++i) {
        c->hitRatioByLevel[i]->Set(c->ratioOf(c->hitsByLevel[i]->load()));
      }
    }
  }
  const nlohmann::json all = stats();
  auto& registry = services_.metrics().registry();
  auto& regionEntries = prometheus::BuildGauge().Name("wno_cache_region_entries")
                            .Help("Entries a cache level holds for a region").Register(registry);
  auto& regionBytes = prometheus::BuildGauge().Name("wno_cache_region_bytes")
                          .Help("Bytes a cache level holds for a region").Register(registry);
  auto& regionMax = prometheus::BuildGauge().Name("wno_cache_region_max_bytes")
                        .Help("Most bytes a cache level lets a region hold (its share of the level)").Register(registry);
  auto& regionEvictions = prometheus::BuildGauge().Name("wno_cache_region_evictions")
                              .Help("Entries of a region a cache level evicted to keep it within its share, since start")
                              .Register(registry);
  for (size_t i = 0; i < levels_.size() && i < all["levels"].size(); ++i) {
    const auto& s = all["levels"][i]["stats"];
    auto mirror = [&](prometheus::Gauge* g, const nlohmann::json& from, const char* key) {
      if (from.contains(key) && from[key].is_number()) g->Set(from[key].get<double>());
    };
    mirror(levels_[i]->gauges.entries, s, "entries");
    mirror(levels_[i]->gauges.bytes, s, "bytes");
    mirror(levels_[i]->gauges.evictions, s, "evictions");
    if (!s.contains("regions") || !s["regions"].is_object()) continue;
    for (const auto& [region, usage] : s["regions"].items()) {
      if (!usage.is_object()) continue;
      const prometheus::Labels labels{{"level", levels_[i]->name}, {"region", region}};
      mirror(&regionEntries.Add(labels), usage, "entries");
      mirror(&regionBytes.Add(labels), usage, "bytes");
      mirror(&regionMax.Add(labels), usage, "max_bytes");
      mirror(&regionEvictions.Add(labels), usage, "evictions");
    }
  }
}

}  // namespace wno::host
