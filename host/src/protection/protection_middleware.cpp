#include "protection/protection_middleware.h"

#include "core/logger.h"

#include <prometheus/counter.h>

#include <chrono>
#include <cmath>

namespace wno::host {
namespace {

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::optional<http::RouteGroup> parseGroup(const std::string& name) {
  if (name == "api") return http::RouteGroup::Api;
  if (name == "health") return http::RouteGroup::Health;
  if (name == "metrics") return http::RouteGroup::Metrics;
  if (name == "admin") return http::RouteGroup::Admin;
  return std::nullopt;
}

// Header values are whole seconds; round up so a client never retries early.
std::string seconds(int64_t ms) { return std::to_string(std::max<int64_t>(0, (ms + 999) / 1000)); }

std::string clientKey(http::RequestContext& ctx, bool byApiKey) {
  if (byApiKey) {
    // A copy: Poco returns a reference to the default when the header is absent.
    const std::string key = ctx.request().get("X-API-Key", "");
    if (!key.empty()) return "key:" + key;
  }
  return "ip:" + ctx.request().clientAddress().host().toString();
}

}  // namespace

ProtectionOptions protectionOptionsFrom(const nlohmann::json& protection) {
  ProtectionOptions options;
  const auto& shedding = protection.value("shedding", nlohmann::json::object());
  options.shedding = shedding.value("enabled", false);
  options.shedAbove = shedding.value("shed_above", 0.9);
  options.resumeBelow = shedding.value("resume_below", 0.75);
  options.retryAfterSeconds = shedding.value("retry_after_s", 5);
  for (const auto& r : protection.value("rate_limits", nlohmann::json::array())) {
    RateLimitRule rule;
    rule.name = r.value("name", "default");
    for (const auto& g : r.value("groups", nlohmann::json::array({"api"}))) {
      if (auto group = parseGroup(g.get<std::string>())) rule.groups.push_back(*group);
    }
    rule.policy.limit = r.value("limit", 100);
    rule.policy.windowMs = r.value("window_ms", 1000);
    rule.policy.burst = r.value("burst", 0);
    rule.keyByApiKey = r.value("key", "ip") == "api_key";
    rule.tightenAboveLoad = r.value("tighten_above_load", 1.1);
    rule.tightenedScale = r.value("tightened_scale", 0.5);
    options.rateLimits.push_back(std::move(rule));
  }
  return options;
}

Protection::Protection(ProtectionOptions options, HostServices& services)
    : options_(std::move(options)), services_(services), shedder_(options_.shedAbove, options_.resumeBelow) {
  shedCounter_ = &prometheus::BuildCounter()
                      .Name("wno_http_shed_total")
                      .Help("Requests refused with 503 by load shedding")
                      .Register(services_.metrics().registry())
                      .Add({});
  auto& limited = prometheus::BuildCounter()
                      .Name("wno_http_rate_limited_total")
                      .Help("Requests refused with 429 by a rate limit")
                      .Register(services_.metrics().registry());
  for (const auto& rule : options_.rateLimits) limitedCounters_.push_back(&limited.Add({{"policy", rule.name}}));
}

http::Middleware Protection::middleware() {
  return [this](http::RequestContext& ctx, const http::Route& route) { return shed(ctx, route) || limit(ctx, route); };
}

bool Protection::shed(http::RequestContext& ctx, const http::Route& route) {
  if (!options_.shedding) return false;
  const bool shedding = shedder_.update(services_.loadFactor());
  // Only the public API is sheddable: probes, metrics and admin must keep
  // answering precisely when the host is overloaded.
  if (!shedding || route.group != http::RouteGroup::Api) return false;
  shedCounter_->Increment();
  ctx.response().set("Retry-After", std::to_string(options_.retryAfterSeconds));
  ctx.sendProblem(503, "Service Unavailable", "the host is overloaded and sheds non-critical traffic; retry later",
                  {{"load_factor", services_.loadFactor()}});
  return true;
}

bool Protection::limit(http::RequestContext& ctx, const http::Route& route) {
  const int64_t now = nowMs();
  for (size_t i = 0; i < options_.rateLimits.size(); ++i) {
    const auto& rule = options_.rateLimits[i];
    if (std::find(rule.groups.begin(), rule.groups.end(), route.group) == rule.groups.end()) continue;
    const double scale = services_.loadFactor() > rule.tightenAboveLoad ? rule.tightenedScale : 1.0;
    const RateDecision d = limiter_.decide(rule.name + "|" + clientKey(ctx, rule.keyByApiKey), now, rule.policy, scale);
    auto& response = ctx.response();
    response.set("RateLimit-Policy", "\"" + rule.name + "\";q=" + std::to_string(d.limit) +
                                         ";w=" + seconds(rule.policy.windowMs));
    response.set("RateLimit", "\"" + rule.name + "\";r=" + std::to_string(d.remaining) +
                                  ";t=" + seconds(d.resetAfterMs));
    response.set("RateLimit-Limit", std::to_string(d.limit));
    response.set("RateLimit-Remaining", std::to_string(d.remaining));
    response.set("RateLimit-Reset", seconds(d.resetAfterMs));
    if (d.allowed) continue;
    limitedCounters_[i]->Increment();
    response.set("Retry-After", seconds(d.retryAfterMs));
    ctx.sendProblem(429, "Too Many Requests",
                    "rate limit \"" + rule.name + "\" exceeded: " + std::to_string(d.limit) + " requests per " +
                        std::to_string(rule.policy.windowMs) + " ms",
                    {{"retry_after_ms", d.retryAfterMs}});
    return true;
  }
  return false;
}

}  // namespace wno::host
