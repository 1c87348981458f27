#include "http/protection_middleware.h"

#include "core/fnv1a.h"
#include "core/logger.h"

#include <prometheus/counter.h>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace wno::host {
namespace {

// Idle buckets are dropped this often, which bounds the local limiter's
// memory by the clients seen in about one window.
constexpr int64_t kSweepEveryUs = 10'000'000;

int64_t nowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Header values are whole seconds; round up so a client never retries early.
std::string seconds(int64_t ms) { return std::to_string(std::max<int64_t>(0, (ms + 999) / 1000)); }

// Stable across hosts and builds, which a shared bucket name must be.
std::string digest(const std::string& text) { return fnv1a64Hex(text); }

std::string clientKey(http::RequestContext& ctx, bool byApiKey) {
  if (byApiKey) {
    const std::string key = ctx.request().get("X-API-Key", "");
    // Bucket names may end up in Redis, where anyone with access can list
    // them: never the key itself.
    if (!key.empty()) return "key:" + digest(key);
  }
  return "ip:" + ctx.request().clientAddress().ip;
}

}  // namespace

Result<std::unique_ptr<Protection>> Protection::create(ProtectionOptions options, HostServices& services) {
  std::unique_ptr<Protection> p(new Protection(std::move(options), services));
  // Shared limits only matter when there are limits; a URL is still checked.
  if (!p->options_.shared.redisUrl.empty()) {
    if (auto address = parseRedisAddress(p->options_.shared.redisUrl); !address.isOk()) {
      return Status(WNO_ERR_INVALID, "/protection/shared/redis_url: " + address.status().message());
    }
  }
  if (!p->options_.shared.redisUrl.empty() && !p->options_.rateLimits.empty()) {
    auto shared = SharedRateLimiter::create(
        p->options_.shared, services.breakers().create("rate_limit redis", "rate_limit", p->options_.shared.breaker),
        services.metrics());
    if (!shared.isOk()) return shared.status();
    p->shared_ = std::move(shared).value();
  }
  return p;
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

http::MiddlewareBlocks Protection::blocks() {
  return [this](const http::Route& route) {
    if (!shared_) return false;
    for (const auto& rule : options_.rateLimits) {
      if (std::find(rule.groups.begin(), rule.groups.end(), route.group) != rule.groups.end()) return true;
    }
    return false;
  };
}

nlohmann::json Protection::toJson() const {
  nlohmann::json out = {{"enabled", options_.enabled},
                        {"shedding_enabled", options_.shedding},
                        {"rate_limit_rules", options_.rateLimits.size()},
                        {"rate_limits", shared_ ? "shared" : "local"},
                        {"local_buckets", limiter_.size()}};
  // Shared limits in effect only while Redis answers; the breaker says so.
  if (shared_) out["shared_circuit"] = breakerStateName(shared_->breaker().state());
  return out;
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

void Protection::sweepIfDue(int64_t now) {
  int64_t due = nextSweepUs_.load(std::memory_order_relaxed);
  if (now < due) return;
  // One thread sweeps; the others carry on.
  if (!nextSweepUs_.compare_exchange_strong(due, now + kSweepEveryUs)) return;
  limiter_.sweep(now / 1000);
}

RateDecision Protection::decide(const RateLimitRule& rule, const std::string& key, double scale, int64_t now) {
  if (shared_) {
    if (auto d = shared_->decide(key, gcraParams(rule.policy, scale))) return *d;
    // Redis could not be asked: this host alone, at its share of the limit.
    return limiter_.decideUs(key, now, gcraParams(rule.policy, scale * options_.shared.fallbackScale));
  }
  return limiter_.decideUs(key, now, gcraParams(rule.policy, scale));
}

bool Protection::limit(http::RequestContext& ctx, const http::Route& route) {
  if (options_.rateLimits.empty()) return false;
  const int64_t now = nowUs();
  sweepIfDue(now);
  for (size_t i = 0; i < options_.rateLimits.size(); ++i) {
    const auto& rule = options_.rateLimits[i];
    if (std::find(rule.groups.begin(), rule.groups.end(), route.group) == rule.groups.end()) continue;
    const double scale = services_.loadFactor() > rule.tightenAboveLoad ? rule.tightenedScale : 1.0;
    const RateDecision d = decide(rule, rule.name + "|" + clientKey(ctx, rule.keyByApiKey), scale, now);
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
