#include "cache/cache_options.h"

namespace wno::host {

std::optional<CacheServiceOptions> cacheOptionsFrom(const nlohmann::json& cache, std::string& error) {
  CacheServiceOptions o;
  o.defaultTtlMs = cache.value("default_ttl_ms", o.defaultTtlMs);
  const auto& adaptive = cache.value("adaptive_ttl", nlohmann::json::object());
  o.adaptiveTtl = adaptive.value("enabled", false);
  if (adaptive.contains("curve")) {
    auto curve = TtlCurve::fromJson(adaptive["curve"], error);
    if (!curve) {
      error = "/cache/adaptive_ttl/curve" + error;
      return std::nullopt;
    }
    o.curve = *curve;
  }
  const auto& failSafe = cache.value("fail_safe", nlohmann::json::object());
  o.failSafeMs = failSafe.value("enabled", false) ? failSafe.value("max_stale_ms", int64_t{300000}) : 0;
  const nlohmann::json breaker = cache.value("breaker", nlohmann::json::object());
  o.breaker = breakerOptionsFrom(breaker);
  o.breakerEnabled = breakerEnabled(breaker).value_or(true);
  const nlohmann::json levels = cache.value("levels", nlohmann::json::array());
  for (size_t i = 0; i < levels.size(); ++i) {
    const nlohmann::json timeout = levels[i].is_object() ? levels[i].value("timeout_ms", nlohmann::json()) : nullptr;
    if (!timeout.is_null() && (!timeout.is_number_integer() || timeout.get<int64_t>() < 1)) {
      error = "/cache/levels/" + std::to_string(i) + "/timeout_ms: expected a positive integer (milliseconds)";
      return std::nullopt;
    }
    o.levelTimeoutsMs.push_back(timeout.is_null() ? 0 : timeout.get<int64_t>());
  }
  // Bound to a local: items() on the temporary value() returns would dangle.
  const nlohmann::json regions = cache.value("regions", nlohmann::json::object());
  for (const auto& [name, r] : regions.items()) {
    RegionPolicy policy;
    policy.ttlMs = r.value("ttl_ms", int64_t{0});
    if (r.contains("adaptive_ttl") && r["adaptive_ttl"].contains("curve")) {
      auto curve = TtlCurve::fromJson(r["adaptive_ttl"]["curve"], error);
      if (!curve) {
        error = "/cache/regions/" + name + "/adaptive_ttl/curve" + error;
        return std::nullopt;
      }
      policy.curve = *curve;
    }
    if (r.contains("fail_safe_ms")) policy.failSafeMs = r["fail_safe_ms"].get<int64_t>();
    if (r.contains("max_share")) {
      const auto& share = r["max_share"];
      if (!share.is_number() || share.get<double>() <= 0 || share.get<double>() > 1) {
        error = "/cache/regions/" + name + "/max_share: expected a number in (0, 1]";
        return std::nullopt;
      }
      policy.maxShare = share.get<double>();
    }
    o.regions.emplace(name, std::move(policy));
  }
  const nlohmann::json singleFlight = cache.value("single_flight", nlohmann::json::object());
  o.joinTimeoutMs = singleFlight.value("join_timeout_ms", o.joinTimeoutMs);
  const nlohmann::json distributed = singleFlight.value("distributed", nlohmann::json::object());
  o.distributed.enabled = distributed.value("enabled", o.distributed.enabled);
  o.distributed.leaseMs = distributed.value("lease_ms", o.distributed.leaseMs);
  o.distributed.pollMs = distributed.value("poll_ms", o.distributed.pollMs);
  o.distributed.waitMs = distributed.value("wait_ms", o.distributed.waitMs);
  return o;
}

nlohmann::json levelBackendConfig(const nlohmann::json& cache, size_t index) {
  const nlohmann::json levels = cache.value("levels", nlohmann::json::array());
  nlohmann::json config = index < levels.size() && levels[index].is_object()
                              ? levels[index].value("config", nlohmann::json::object())
                              : nlohmann::json::object();
  if (index != 0 || !config.is_object()) return config;
  // Byte shares bound what one region may take of the in-process level; a
  // shared level (Redis) has no per-region budget to give.
  const nlohmann::json regions = cache.value("regions", nlohmann::json::object());
  for (const auto& [name, r] : regions.items()) {
    if (!r.is_object() || !r.contains("max_share")) continue;
    if (!config.contains("regions")) config["regions"] = nlohmann::json::object();
    if (!config["regions"].is_object() || config["regions"].contains(name)) continue;
    config["regions"][name] = {{"max_share", r["max_share"]}};
  }
  return config;
}

}  // namespace wno::host
