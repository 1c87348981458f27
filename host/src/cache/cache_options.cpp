#include "cache/cache_options.h"

#include "config/options_reader.h"

namespace wno::host {

namespace {

std::optional<CacheServiceOptions> readCacheOptions(const config::OptionsNode& cache, std::string& error) {
  CacheServiceOptions o;
  o.defaultTtlMs = cache.get<int64_t>("default_ttl_ms");
  const auto adaptive = cache.child("adaptive_ttl");
  o.adaptiveTtl = adaptive.get<bool>("enabled");
  auto curve = TtlCurve::fromJson(adaptive.child("curve").json(), error);
  if (!curve) {
    error = "/cache/adaptive_ttl/curve" + error;
    return std::nullopt;
  }
  o.curve = *curve;
  const auto failSafe = cache.child("fail_safe");
  o.failSafeMs = failSafe.get<bool>("enabled") ? failSafe.get<int64_t>("max_stale_ms") : 0;
  const nlohmann::json& breaker = cache.child("breaker").json();
  o.breaker = breakerOptionsFrom(breaker);
  o.breakerEnabled = breakerEnabled(breaker).value_or(true);
  const nlohmann::json& levels = cache.child("levels").json();
  for (size_t i = 0; i < levels.size(); ++i) {
    // Checked here too: the options are also read from configs the loader
    // never saw (tests, embedding).
    const nlohmann::json timeout = levels[i].is_object() && levels[i].contains("timeout_ms") ? levels[i]["timeout_ms"]
                                                                                             : nlohmann::json();
    if (!timeout.is_null() && (!timeout.is_number_integer() || timeout.get<int64_t>() < 1)) {
      error = "/cache/levels/" + std::to_string(i) + "/timeout_ms: expected a positive integer (milliseconds)";
      return std::nullopt;
    }
    o.levelTimeoutsMs.push_back(timeout.is_null() ? 0 : timeout.get<int64_t>());
  }
  for (const auto& [name, value] : cache.child("regions").json().items()) {
    const config::OptionsNode r(value, cache.pointer() + "/regions/" + name);
    RegionPolicy policy;
    if (auto ttl = r.find<int64_t>("ttl_ms")) policy.ttlMs = *ttl;
    if (r.has("adaptive_ttl") && r.child("adaptive_ttl").has("curve")) {
      auto regionCurve = TtlCurve::fromJson(r.child("adaptive_ttl").child("curve").json(), error);
      if (!regionCurve) {
        error = "/cache/regions/" + name + "/adaptive_ttl/curve" + error;
        return std::nullopt;
      }
      policy.curve = *regionCurve;
    }
    policy.failSafeMs = r.find<int64_t>("fail_safe_ms");
    if (r.has("max_share")) {
      const auto& share = r.child("max_share").json();
      if (!share.is_number() || share.get<double>() <= 0 || share.get<double>() > 1) {
        error = "/cache/regions/" + name + "/max_share: expected a number in (0, 1]";
        return std::nullopt;
      }
      policy.maxShare = share.get<double>();
    }
    o.regions.emplace(name, std::move(policy));
  }
  const auto singleFlight = cache.child("single_flight");
  o.joinTimeoutMs = singleFlight.get<int64_t>("join_timeout_ms");
  const auto distributed = singleFlight.child("distributed");
  o.distributed.enabled = distributed.get<bool>("enabled");
  o.distributed.leaseMs = distributed.get<int64_t>("lease_ms");
  o.distributed.pollMs = distributed.get<int64_t>("poll_ms");
  o.distributed.waitMs = distributed.get<int64_t>("wait_ms");
  return o;
}

}  // namespace

std::optional<CacheServiceOptions> cacheOptionsFrom(const nlohmann::json& cache, std::string& error) {
  try {
    const config::FilledSection filled(cache, "/cache");
    return readCacheOptions(filled.node(), error);
  } catch (const config::OptionError& e) {
    error = e.what();
    return std::nullopt;
  }
}

nlohmann::json levelBackendConfig(const nlohmann::json& cache, size_t index) {
  const config::FilledSection filled(cache, "/cache");
  const nlohmann::json& levels = filled.json()["levels"];
  if (index >= levels.size() || !levels[index].is_object()) return nlohmann::json::object();
  nlohmann::json config = levels[index]["config"];
  if (index != 0 || !config.is_object()) return config;
  // Byte shares bound what one region may take of the in-process level; a
  // shared level (Redis) has no per-region budget to give.
  for (const auto& [name, r] : filled.json()["regions"].items()) {
    if (!r.is_object() || !r.contains("max_share")) continue;
    if (!config.contains("regions")) config["regions"] = nlohmann::json::object();
    if (!config["regions"].is_object() || config["regions"].contains(name)) continue;
    config["regions"][name] = {{"max_share", r["max_share"]}};
  }
  return config;
}

std::vector<ComponentConfig> cacheLevelsFrom(const nlohmann::json& cache) {
  const config::FilledSection filled(cache, "/cache");
  const config::OptionsNode levels = filled.node().child("levels");
  std::vector<ComponentConfig> out;
  for (size_t i = 0; i < levels.size(); ++i) {
    ComponentConfig c = componentConfigFrom(levels.item(i), "backend", "l" + std::to_string(i + 1));
    c.config = levelBackendConfig(filled.json(), i);  // L1's also carries the regions' byte shares
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace wno::host
