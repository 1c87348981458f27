// The host cache service over the configured backend levels (L1 first):
//  - reads go level by level and fill faster levels on a slower-level hit;
//  - writes and invalidations go to every level;
//  - TTLs scale with the load factor through a curve (per region overrides);
//  - get-or-compute is single-flight per key, and optionally across hosts
//    through a shared level's leases (distributed_flight.h);
//  - fail-safe: a failing, slow or broken-circuit level (other than L1) is
//    skipped without an error reaching the caller, and a stale value may be
//    served for a grace period when recomputing fails;
//  - soft timeouts: each get/set/delete on a level after L1 runs under a
//    per-call deadline (wno_host_call_deadline_v1) that backends bound their
//    I/O by; a call that fails or overruns it counts against the level's
//    circuit and the caller carries on with L1 and compute;
//  - regions: per-region TTL, fail-safe window, L1 byte share, and metrics;
//  - a shared level's backplane events evict the faster levels' copies.
// THREADS: every public method is safe to call concurrently.
#pragma once

#include "cache/cache_options.h"
#include "cache/distributed_flight.h"
#include "cache/envelope.h"
#include "cache/invalidation_epochs.h"
#include "cache/single_flight.h"
#include "cache/striped_counter.h"
#include "cache/ttl_curve.h"
#include "plugins/component_instance.h"
#include "protection/circuit_breaker.h"
#include "services/host_services.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace prometheus {
class Registry;
}

namespace wno::host {

struct CacheLevel {
  std::string name;  // "l1", "l2"
  std::unique_ptr<CacheBackendInstance> backend;
};

class CacheService : public CacheApi {
 public:
  CacheService(std::vector<CacheLevel> levels, CacheServiceOptions options, HostServices& services);
  ~CacheService() override;

  Result<std::optional<std::string>> get(const std::string& key, const std::string& region = "") override;
  Status set(const std::string& key, std::string value, const CacheWrite& options) override;
  Status remove(const std::string& key) override;
  Result<uint64_t> invalidateTag(const std::string& tag) override;
  Status invalidateRegion(const std::string& region) override;
  Result<std::string> getOrCompute(const std::string& key, const CacheWrite& options,
                                   const std::function<Result<std::string>()>& compute) override;

  LocalHit peekLocal(const std::string& key, const std::string& region, std::string& value) override;
  uint64_t invalidationMark(const std::string& key, const CacheWrite& options) const override;
  bool setUnlessInvalidatedSince(uint64_t mark, const std::string& key, std::string value,
                                 const CacheWrite& options) override;
  // The TTL a write with `requestedMs` gets in `region` at the current load.
  int64_t effectiveTtlMs(int64_t requestedMs, const std::string& region) const override;
  double ttlMultiplier(const std::string& region) const;

  nlohmann::json stats() const;
  // Publishes the hot-path counters and copies each level's own figures
  // (entries, bytes, evictions, per-region usage) into the metrics registry.
  // Also runs as a collect hook before every /metrics serialization.
  void refreshLevelGauges();
  size_t levelCount() const { return levels_.size(); }

 private:
  struct Level;
  struct RegionCounters;
  // cache_metrics.cpp: a level's series, labelled with its name.
  static void registerLevelMetrics(Level& level, prometheus::Registry& registry);
  struct Lookup {
    std::optional<std::string> fresh;
    std::optional<std::string> stale;
  };
  using RegionMap = std::unordered_map<std::string, RegionCounters*>;

  Lookup lookup(const std::string& key, const std::string& region, bool wantStale);
  // Writes envelope bytes to levels [0, uptoLevel), slowest first.
  Status writeBytes(const std::string& key, std::string_view bytes, const std::vector<std::string_view>& tags,
                    std::string_view region, int64_t physicalExpiresAtMs, size_t uptoLevel);
  // Runs a hook on a level through its breaker and (for get/set/delete) its
  // soft deadline; NOT_FOUND is an answer, anything else non-OK a failure.
  template <typename Fn>
  Status onLevel(Level& level, const char* op, bool deadline, Fn&& fn);
  const RegionPolicy* policyFor(std::string_view region) const;
  int64_t failSafeMsFor(std::string_view region) const;
  RegionCounters& counters(const std::string& region);
  void onRemoteEvent(size_t fromLevel, wno_cache_event event, const std::string& subject);
  // Stores `value` unless `key` or one of options.tags was invalidated since
  // `mark`; false when it was (the value is then not left in any level).
  // `stored`, when given, gets the set's own status.
  bool storeIfCurrent(uint64_t mark, const std::string& key, std::string value, const CacheWrite& options,
                      Status* stored = nullptr);
  // The shared level's leases for DistributedFlight, run through the
  // level's breaker and deadline.
  SharedLease leaseFor(const std::string& key, const std::string& region);

  std::vector<std::unique_ptr<Level>> levels_;
  struct ListenerCtx;
  // Owned; unregistered from the backends before they are freed.
  std::vector<ListenerCtx*> listenerContexts_;
  CacheServiceOptions options_;
  HostServices& services_;

  // Invalidations by name, so a computed value never lands after the
  // invalidation of what it was computed from (invalidation_epochs.h).
  InvalidationEpochs epochs_;
  SingleFlight flights_;
  DistributedFlight distributed_;
  // The slowest level that can lease keys across hosts; null when none can
  // or distributed single-flight is off.
  Level* leaseLevel_ = nullptr;

  // Every get looks its region's counters up; new regions are rare. Readers
  // load the current map without a lock; a new region publishes a copy.
  // Old maps and the counters live until the service goes away.
  std::atomic<const RegionMap*> regionMap_{nullptr};
  mutable std::mutex regionsMutex_;
  std::vector<std::unique_ptr<RegionMap>> regionMaps_;
  std::vector<std::unique_ptr<RegionCounters>> regionCounters_;

  std::mutex publishMutex_;
};

}  // namespace wno::host
