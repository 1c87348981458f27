#include "http/protection_options.h"

#include "config/options_reader.h"

#include <optional>

namespace wno::host {
namespace {

std::optional<http::RouteGroup> parseGroup(const std::string& name) {
  if (name == "api") return http::RouteGroup::Api;
  if (name == "health") return http::RouteGroup::Health;
  if (name == "metrics") return http::RouteGroup::Metrics;
  if (name == "admin") return http::RouteGroup::Admin;
  return std::nullopt;
}

RateLimitRule rateLimitFrom(const config::OptionsNode& r) {
  RateLimitRule rule;
  rule.name = r.get<std::string>("name");
  for (const auto& g : r.child("groups").json()) {
    if (auto group = parseGroup(g.get<std::string>())) rule.groups.push_back(*group);
  }
  rule.policy.limit = r.get<decltype(rule.policy.limit)>("limit");
  rule.policy.windowMs = r.get<decltype(rule.policy.windowMs)>("window_ms");
  rule.policy.burst = r.get<decltype(rule.policy.burst)>("burst");
  rule.keyByApiKey = r.get<std::string>("key") == "api_key";
  rule.tightenAboveLoad = r.get<double>("tighten_above_load");
  rule.tightenedScale = r.get<double>("tightened_scale");
  return rule;
}

}  // namespace

ProtectionOptions protectionOptionsFrom(const nlohmann::json& protection) {
  const config::FilledSection filled(protection, "/protection");
  const config::OptionsNode p = filled.node();
  ProtectionOptions options;
  options.enabled = p.get<bool>("enabled");
  const auto shedding = p.child("shedding");
  options.shedding = shedding.get<bool>("enabled");
  options.shedAbove = shedding.get<double>("shed_above");
  options.resumeBelow = shedding.get<double>("resume_below");
  options.retryAfterSeconds = shedding.get<int>("retry_after_s");
  const auto limits = p.child("rate_limits");
  for (size_t i = 0; i < limits.size(); ++i) options.rateLimits.push_back(rateLimitFrom(limits.item(i)));
  const auto shared = p.child("shared");
  options.shared.redisUrl = shared.get<std::string>("redis_url");
  options.shared.timeout = std::chrono::milliseconds(shared.get<int64_t>("timeout_ms"));
  options.shared.poolSize = shared.get<size_t>("pool_size");
  options.shared.keyPrefix = shared.get<std::string>("key_prefix");
  options.shared.fallbackScale = shared.get<double>("fallback_scale");
  options.shared.breaker = breakerOptionsFrom(shared.child("breaker").json());
  return options;
}

}  // namespace wno::host
