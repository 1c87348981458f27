// The cache service's options, read from /cache after the schema has filled
// its defaults, and the config each level's backend is created with.
#pragma once

#include "cache/distributed_flight.h"
#include "cache/ttl_curve.h"
#include "plugins/component_config.h"
#include "protection/circuit_breaker.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace wno::host {

struct RegionPolicy {
  int64_t ttlMs = 0;                // 0: the service default
  std::optional<TtlCurve> curve;    // overrides the service curve
  std::optional<int64_t> failSafeMs;
  std::optional<double> maxShare;   // of L1's bytes, (0, 1]; passed to the L1 backend
};

struct CacheServiceOptions {
  int64_t defaultTtlMs = 60000;
  bool adaptiveTtl = false;
  TtlCurve curve;
  int64_t failSafeMs = 0;  // how long past expiry a value may be served stale; 0 = never
  BreakerOptions breaker;  // for every level but the first
  bool breakerEnabled = true;
  // Per-call deadline of get/set/delete on each level after the first, by
  // level index (missing or 0: kDefaultSoftTimeoutMs). L1 runs no deadline.
  std::vector<int64_t> levelTimeoutsMs;
  std::map<std::string, RegionPolicy, std::less<>> regions;
  // How long a get-or-compute caller waits for another caller's computation
  // of the same key before giving up (WNO_ERR_TIMEOUT, or a stale value).
  int64_t joinTimeoutMs = 10000;
  // Single-flight across hosts through a shared level's leases.
  DistributedFlightOptions distributed;
};

constexpr int64_t kDefaultSoftTimeoutMs = 50;

// Reads /cache; `error` names the offending pointer.
std::optional<CacheServiceOptions> cacheOptionsFrom(const nlohmann::json& cache, std::string& error);
// The config a level's backend is created with: /cache/levels/<index>/config,
// and for the first level (L1) also the region byte shares of
// /cache/regions/<r>/max_share as {"regions": {"<r>": {"max_share": x}}}
// (a share set in the level's own config wins).
nlohmann::json levelBackendConfig(const nlohmann::json& cache, size_t index);
// The backends of /cache/levels in order, each named "l<n>" unless "name"
// says otherwise and created with levelBackendConfig(). Throws
// config::OptionError naming the pointer of a key that cannot be read.
std::vector<ComponentConfig> cacheLevelsFrom(const nlohmann::json& cache);

}  // namespace wno::host
