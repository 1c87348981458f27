// What /protection configures: load shedding, per-client rate limits by
// route group, and the Redis that shares them between hosts.
#pragma once

#include "http/router.h"
#include "protection/gcra.h"
#include "protection/shared_rate_limiter.h"

#include <nlohmann/json.hpp>

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
  bool enabled = true;  // false: no middleware at all (benchmarks, trusted networks)
  bool shedding = false;
  double shedAbove = 0.9;
  double resumeBelow = 0.75;
  int retryAfterSeconds = 5;
  std::vector<RateLimitRule> rateLimits;
  SharedLimitOptions shared;  // redisUrl empty: local limits only
};

// Reads /protection; missing keys take config/schema.json's defaults (the
// initializers above serve options built in code). Throws
// config::OptionError naming the pointer of a required key that is absent.
ProtectionOptions protectionOptionsFrom(const nlohmann::json& protection);

}  // namespace wno::host
