// HTTP protection in front of the routes: load shedding (503 + Retry-After)
// and per-client rate limits (429 + RateLimit headers) for the route groups
// config names. Health, metrics and admin routes are never shed. With
// /protection/shared/redis_url the limits are shared by every host through
// Redis; while Redis cannot be asked, each host decides locally (scaled by
// fallback_scale) instead of failing requests.
// THREADS: the middleware runs on every HTTP worker thread concurrently.
#pragma once

#include "http/http_server.h"
#include "http/protection_options.h"
#include "protection/gcra.h"
#include "protection/load_shedder.h"
#include "protection/shared_rate_limiter.h"
#include "services/host_services.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

namespace wno::host {

class Protection {
 public:
  // Fails only when /protection/shared is malformed (a bad URL); a Redis
  // that is down is not an error.
  static Result<std::unique_ptr<Protection>> create(ProtectionOptions options, HostServices& services);

  bool enabled() const { return options_.enabled; }
  http::Middleware middleware();
  // True for routes a rule applies to while limits are shared through
  // Redis: deciding those takes a round trip, so they run off the event loop.
  http::MiddlewareBlocks blocks();
  bool shedding() const { return shedder_.shedding(); }
  // {"shared": bool, "redis": "host:port"|null, "local_keys": N}
  nlohmann::json toJson() const;

 private:
  Protection(ProtectionOptions options, HostServices& services);
  bool shed(http::RequestContext& ctx, const http::Route& route);
  bool limit(http::RequestContext& ctx, const http::Route& route);
  RateDecision decide(const RateLimitRule& rule, const std::string& key, double scale, int64_t nowUs);
  void sweepIfDue(int64_t nowUs);

  ProtectionOptions options_;
  HostServices& services_;
  LoadShedder shedder_;
  GcraLimiter limiter_;
  std::unique_ptr<SharedRateLimiter> shared_;
  std::atomic<int64_t> nextSweepUs_{0};
  prometheus::Counter* shedCounter_ = nullptr;
  std::vector<prometheus::Counter*> limitedCounters_;
};

}  // namespace wno::host
