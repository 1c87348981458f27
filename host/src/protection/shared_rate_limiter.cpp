#include "protection/shared_rate_limiter.h"

#include "common/clock.h"
#include "core/logger.h"
#include "metrics/metrics.h"

#include <prometheus/counter.h>

namespace wno::host {
namespace {

// KEYS[1] bucket; ARGV step_us, tolerance_us, burst. Returns
// {allowed, remaining, retry_after_us, reset_after_us}. The same arithmetic
// as gcraStep(). Integers go through string.format('%d'): Lua's default
// number formatting keeps 14 digits, too few for microsecond timestamps.
const char* kScript = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local step = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local allow_at = tat - tolerance
if now < allow_at then
  return {0, 0, allow_at - now, tat - now}
end
local new_tat = tat + step
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', string.format('%d', math.ceil((new_tat - now) / 1000)))
local slack = tolerance - (new_tat - now)
local remaining = 0
if slack >= 0 then remaining = math.min(burst - 1, math.floor(slack / step) + 1) end
return {1, remaining, 0, new_tat - now}
)lua";

int64_t ceilMs(long long us) { return us <= 0 ? 0 : (us + 999) / 1000; }

}  // namespace

const char* SharedRateLimiter::script() { return kScript; }

Result<std::unique_ptr<SharedRateLimiter>> SharedRateLimiter::create(SharedLimitOptions options,
                                                                     std::shared_ptr<CircuitBreaker> breaker,
                                                                     Metrics& metrics) {
  auto address = parseRedisAddress(options.redisUrl);
  if (!address.isOk()) return Status(WNO_ERR_INVALID, "/protection/shared/redis_url: " + address.status().message());
  return std::unique_ptr<SharedRateLimiter>(
      new SharedRateLimiter(std::move(options), std::move(address).value(), std::move(breaker), metrics));
}

SharedRateLimiter::SharedRateLimiter(SharedLimitOptions options, RedisAddress address,
                                     std::shared_ptr<CircuitBreaker> breaker, Metrics& metrics)
    : options_(std::move(options)), address_(std::move(address)), breaker_(std::move(breaker)) {
  if (options_.poolSize == 0) options_.poolSize = 1;
  decisions_ = &prometheus::BuildCounter()
                    .Name("wno_rate_limit_shared_decisions_total")
                    .Help("Rate limit decisions made in Redis, shared by every host")
                    .Register(metrics.registry())
                    .Add({});
  auto& fallbacks = prometheus::BuildCounter()
                        .Name("wno_rate_limit_fallback_total")
                        .Help("Rate limit decisions made locally because Redis could not be asked, by reason")
                        .Register(metrics.registry());
  fallbackError_ = &fallbacks.Add({{"reason", "error"}});
  fallbackOpen_ = &fallbacks.Add({{"reason", "circuit_open"}});
  fallbackBusy_ = &fallbacks.Add({{"reason", "pool_busy"}});
}

SharedRateLimiter::~SharedRateLimiter() = default;

SharedRateLimiter::Slot SharedRateLimiter::takeSlot() {
  std::unique_lock lock(poolMutex_);
  if (!poolAvailable_.wait_for(lock, options_.timeout, [&] { return !idle_.empty() || open_ < options_.poolSize; })) {
    return {};
  }
  Slot slot;
  slot.taken = true;
  if (!idle_.empty()) {
    slot.link = std::move(idle_.back());
    idle_.pop_back();
  } else {
    ++open_;  // reserved here; connecting happens outside the lock
  }
  return slot;
}

void SharedRateLimiter::release(std::unique_ptr<RedisLink> link) {
  std::lock_guard lock(poolMutex_);
  if (link && !link->broken()) {
    idle_.push_back(std::move(link));
  } else {
    --open_;
  }
  poolAvailable_.notify_one();
}

Result<RateDecision> SharedRateLimiter::evaluate(RedisLink& link, const std::string& key, const GcraParams& p) {
  const std::string fullKey = options_.keyPrefix + key;
  const std::string step = std::to_string(p.stepUs), tolerance = std::to_string(p.toleranceUs),
                    burst = std::to_string(p.burst);
  std::string sha;
  {
    std::lock_guard lock(shaMutex_);
    sha = sha_;
  }
  Result<RedisReplyPtr> reply = Status(WNO_ERR_INTERNAL, "not run");
  if (!sha.empty()) {
    reply = link.command({"EVALSHA", sha, "1", fullKey, step, tolerance, burst});
    if (!reply.isOk()) return reply.status();
  }
  const bool noScript = !sha.empty() && reply.value()->type == REDIS_REPLY_ERROR &&
                        std::string_view(reply.value()->str, reply.value()->len).rfind("NOSCRIPT", 0) == 0;
  if (sha.empty() || noScript) {
    // First use, or Redis restarted and forgot the script: EVAL runs it and
    // caches it again; SCRIPT LOAD gives its SHA for the calls after this.
    reply = link.command({"EVAL", kScript, "1", fullKey, step, tolerance, burst});
    if (!reply.isOk()) return reply.status();
    auto loaded = link.command({"SCRIPT", "LOAD", kScript});
    if (loaded.isOk() && loaded.value()->type == REDIS_REPLY_STRING) {
      std::lock_guard lock(shaMutex_);
      sha_.assign(loaded.value()->str, loaded.value()->len);
    }
  }
  const redisReply* r = reply.value().get();
  if (r->type == REDIS_REPLY_ERROR) return Status(WNO_ERR_UNAVAILABLE, "redis rate limit script: " + std::string(r->str, r->len));
  if (r->type != REDIS_REPLY_ARRAY || r->elements != 4) {
    return Status(WNO_ERR_INTERNAL, "redis rate limit script returned an unexpected reply");
  }
  for (size_t i = 0; i < 4; ++i) {
    if (r->element[i]->type != REDIS_REPLY_INTEGER) {
      return Status(WNO_ERR_INTERNAL, "redis rate limit script returned a non-integer");
    }
  }
  RateDecision d;
  d.allowed = r->element[0]->integer == 1;
  d.limit = p.limit;
  d.remaining = r->element[1]->integer;
  d.retryAfterMs = ceilMs(r->element[2]->integer);
  d.resetAfterMs = ceilMs(r->element[3]->integer);
  return d;
}

void SharedRateLimiter::fallBack(prometheus::Counter* counter, const std::string& why) {
  counter->Increment();
  // One line every few seconds is enough to see an outage; one per request
  // would flood the log exactly when the host is under pressure.
  const int64_t now = common::unixNowMs();
  int64_t last = lastWarnMs_.load(std::memory_order_relaxed);
  if (now - last >= 10000 && lastWarnMs_.compare_exchange_strong(last, now)) {
    logWarn("protection", "shared rate limits unavailable; deciding locally",
            {{"reason", why}, {"redis", address_.host + ":" + std::to_string(address_.port)},
             {"fallback_scale", options_.fallbackScale}});
  }
}

std::optional<RateDecision> SharedRateLimiter::decide(const std::string& key, const GcraParams& params) {
  // The slot first: busy connections say nothing about Redis's health, so
  // they must not spend a half-open breaker's trial call.
  Slot slot = takeSlot();
  if (!slot.taken) {
    fallBack(fallbackBusy_, "every shared rate limit connection is busy");
    return std::nullopt;
  }
  const BreakerPermit permit = breaker_->allow();
  if (!permit) {
    release(std::move(slot.link));
    fallBack(fallbackOpen_, "circuit open");
    return std::nullopt;
  }
  const bool reused = slot.link != nullptr;
  auto connect = [&]() -> bool {
    auto opened = RedisLink::open(address_, options_.timeout);
    if (!opened.isOk()) {
      release(nullptr);
      breaker_->onFailure(permit);
      fallBack(fallbackError_, opened.status().message());
      return false;
    }
    slot.link = std::move(opened).value();
    return true;
  };
  if (!slot.link && !connect()) return std::nullopt;
  auto decision = evaluate(*slot.link, key, params);
  if (!decision.isOk() && reused && decision.status().code() == WNO_ERR_UNAVAILABLE && slot.link->broken()) {
    // An idle connection Redis closed (a restart, an idle timeout) fails on
    // first use; that says nothing about Redis now. One fresh try; a
    // timeout is not retried, it would only double the wait.
    slot.link.reset();
    if (!connect()) return std::nullopt;
    decision = evaluate(*slot.link, key, params);
  }
  release(std::move(slot.link));
  if (!decision.isOk()) {
    breaker_->onFailure(permit);
    fallBack(fallbackError_, decision.status().message());
    return std::nullopt;
  }
  breaker_->onSuccess(permit);
  decisions_->Increment();
  return decision.value();
}

}  // namespace wno::host
