// HTTP protection in front of the routes: load shedding (503 + Retry-After)
// and per-client rate limits (429 + RateLimit headers) for the route groups
// config names. Health, metrics and admin routes are never shed.
#pragma once

#include "http/http_server.h"
#include "protection/gcra.h"
#include "protection/load_shedder.h"
#include "services/host_services.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

namespace wno::host {

struct RateLimitRule {
  std::string name;
  std::vector<http::RouteGroup> groups;
  RatePolicy policy;
  bool keyByApiKey = false;       // else by client IP
  double tightenAboveLoad = 1.1;  // > 1: never tighten
  double tightenedScale = 0.5;
};

struct ProtectionOptions {
  bool shedding = false;
  double shedAbove = 0.9;
  double resumeBelow = 0.75;
  int retryAfterSeconds = 5;
  std::vector<RateLimitRule> rateLimits;
};

// Reads /protection; missing keys take their defaults.
ProtectionOptions protectionOptionsFrom(const nlohmann::json& protection);

class Protection {
 public:
  Protection(ProtectionOptions options, HostServices& services);

  http::Middleware middleware();
  bool shedding() const { return shedder_.shedding(); }

 private:
  bool shed(http::RequestContext& ctx, const http::Route& route);
  bool limit(http::RequestContext& ctx, const http::Route& route);

  ProtectionOptions options_;
  HostServices& services_;
  LoadShedder shedder_;
  GcraLimiter limiter_;
  prometheus::Counter* shedCounter_ = nullptr;
  std::vector<prometheus::Counter*> limitedCounters_;
};

}  // namespace wno::host
