// Rate limits shared by every host on one Redis. The GCRA step (gcra.h)
// runs as a Lua script (EVALSHA; EVAL when the server lost its script
// cache), so each decision is one atomic round trip, and it reads Redis's
// clock, so hosts whose clocks differ still agree. Keys expire when their
// bucket is full again.
// A circuit breaker guards Redis: while it is open no request waits on
// Redis at all; decide() then answers "ask locally" at once. Failures and
// fallbacks are counted at /metrics and logged (at most every few seconds).
// THREADS: decide() is safe to call concurrently; connections are pooled.
#pragma once

#include "protection/circuit_breaker.h"
#include "protection/gcra.h"
#include "protection/redis_link.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace prometheus {
class Counter;
}

namespace wno::host {

class Metrics;

struct SharedLimitOptions {
  std::string redisUrl;  // empty: limits are local
  std::chrono::milliseconds timeout{50};
  size_t poolSize = 16;
  std::string keyPrefix = "wno:rl:";
  double fallbackScale = 1.0;  // local limits while Redis is out, as a share of the policy
  BreakerOptions breaker;
};

class SharedRateLimiter {
 public:
  // Error when the URL is malformed. Connects lazily: a Redis that is down
  // at start only means local decisions until it answers.
  static Result<std::unique_ptr<SharedRateLimiter>> create(SharedLimitOptions options,
                                                           std::shared_ptr<CircuitBreaker> breaker,
                                                           Metrics& metrics);
  ~SharedRateLimiter();

  // The decision every host shares, or nullopt when Redis could not be asked
  // (circuit open, connection failed or timed out, all connections busy).
  std::optional<RateDecision> decide(const std::string& key, const GcraParams& params);

  const SharedLimitOptions& options() const { return options_; }
  CircuitBreaker& breaker() { return *breaker_; }
  static const char* script();

 private:
  SharedRateLimiter(SharedLimitOptions options, RedisAddress address, std::shared_ptr<CircuitBreaker> breaker,
                    Metrics& metrics);
  struct Slot {
    bool taken = false;               // false: the pool stayed full for the whole timeout
    std::unique_ptr<RedisLink> link;  // null with taken: reserved, not connected yet
  };
  Slot takeSlot();
  // Returns a connection (null: gives the reservation back); broken ones are dropped.
  void release(std::unique_ptr<RedisLink> link);
  Result<RateDecision> evaluate(RedisLink& link, const std::string& key, const GcraParams& params);
  void fallBack(prometheus::Counter* counter, const std::string& why);

  SharedLimitOptions options_;
  RedisAddress address_;
  std::shared_ptr<CircuitBreaker> breaker_;
  std::mutex poolMutex_;
  std::condition_variable poolAvailable_;
  std::vector<std::unique_ptr<RedisLink>> idle_;
  size_t open_ = 0;
  std::mutex shaMutex_;
  std::string sha_;  // of the loaded script; empty until SCRIPT LOAD answered
  std::atomic<int64_t> lastWarnMs_{0};
  prometheus::Counter* decisions_ = nullptr;
  prometheus::Counter* fallbackError_ = nullptr;
  prometheus::Counter* fallbackOpen_ = nullptr;
  prometheus::Counter* fallbackBusy_ = nullptr;
};

}  // namespace wno::host
