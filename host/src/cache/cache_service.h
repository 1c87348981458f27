// The host cache service over the configured backend levels (L1 first):
//  - reads go level by level and fill faster levels on a slower-level hit;
//  - writes and invalidations go to every level;
//  - TTLs scale with the load factor through a curve (per region overrides);
//  - get-or-compute is single-flight per key;
//  - fail-safe: a failing, slow or broken-circuit level (other than L1) is
//    skipped without an error reaching the caller, and a stale value may be
//    served for a grace period when recomputing fails;
//  - a shared level's backplane events evict the faster levels' copies.
#pragma once

#include "cache/envelope.h"
#include "cache/ttl_curve.h"
#include "plugins/component_instance.h"
#include "protection/circuit_breaker.h"
#include "services/host_services.h"

#include <nlohmann/json.hpp>

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

namespace wno::host {

struct RegionPolicy {
  int64_t ttlMs = 0;                // 0: the service default
  std::optional<TtlCurve> curve;    // overrides the service curve
  std::optional<int64_t> failSafeMs;
};

struct CacheServiceOptions {
  int64_t defaultTtlMs = 60000;
  bool adaptiveTtl = false;
  TtlCurve curve;
  int64_t failSafeMs = 0;  // how long past expiry a value may be served stale; 0 = never
  BreakerOptions breaker;  // for every level but the first
  std::map<std::string, RegionPolicy> regions;
};

// Reads /cache (minus levels); `error` names the offending pointer.
std::optional<CacheServiceOptions> cacheOptionsFrom(const nlohmann::json& cache, std::string& error);

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

  // The TTL a write with `requestedMs` gets in `region` at the current load.
  int64_t effectiveTtlMs(int64_t requestedMs, const std::string& region) const;
  double ttlMultiplier(const std::string& region) const;

  nlohmann::json stats() const;
  // Copies each level's own counters (entries, bytes, evictions) into the
  // metrics registry; called when /metrics is scraped.
  void refreshLevelGauges();
  size_t levelCount() const { return levels_.size(); }

 private:
  struct Level;
  struct RegionCounters;
  struct Flight;
  struct Lookup {
    std::optional<CacheEnvelope> fresh;
    std::optional<CacheEnvelope> stale;
  };

  Lookup lookup(const std::string& key, const std::string& region);
  Status writeEnvelope(const std::string& key, const CacheEnvelope& envelope, int64_t physicalExpiresAtMs,
                       size_t uptoLevel);
  // Runs a hook on a level through its breaker; false when skipped or failed.
  template <typename Fn>
  Status onLevel(Level& level, const char* op, Fn&& fn);
  const RegionPolicy* policyFor(const std::string& region) const;
  int64_t failSafeMsFor(const std::string& region) const;
  RegionCounters& counters(const std::string& region);
  void onRemoteEvent(size_t fromLevel, wno_cache_event event, const std::string& subject);

  std::vector<std::unique_ptr<Level>> levels_;
  struct ListenerCtx;
  // Owned; unregistered from the backends before they are freed.
  std::vector<ListenerCtx*> listenerContexts_;
  CacheServiceOptions options_;
  HostServices& services_;

  std::mutex flightsMutex_;
  std::map<std::string, std::shared_ptr<Flight>> flights_;

  // Read-mostly: every get looks its region's counters up, few create them.
  mutable std::shared_mutex countersMutex_;
  std::map<std::string, std::unique_ptr<RegionCounters>> counters_;
};

}  // namespace wno::host
