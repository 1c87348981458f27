// GCRA (generic cell rate algorithm) rate limiter: per key, one timestamp
// (the theoretical arrival time) instead of a token count, so a decision is
// O(1), needs no refill timer, and the same arithmetic runs in Redis for
// limits shared across hosts (shared_rate_limiter.h). Times are kept in
// microseconds so high rates (thousands per second) keep their precision.
// Sharded so hot keys do not serialize the host.
// THREADS: GcraLimiter is safe to call concurrently.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace wno::host {

struct RateDecision {
  bool allowed = true;
  int64_t limit = 0;          // requests per window (the policy)
  int64_t remaining = 0;      // requests still allowed right now
  int64_t resetAfterMs = 0;   // until the bucket is full again
  int64_t retryAfterMs = 0;   // when denied: until one request is allowed
};

struct RatePolicy {
  int64_t limit = 100;      // requests per window
  int64_t windowMs = 1000;
  int64_t burst = 0;        // extra requests allowed at once; 0 = limit
};

// A policy at a scale, as the algorithm uses it.
struct GcraParams {
  int64_t limit = 1;        // scaled requests per window
  int64_t burst = 1;        // scaled requests allowed at once
  int64_t stepUs = 1;       // emission interval: spacing at the sustained rate
  int64_t toleranceUs = 0;  // how far ahead of now the TAT may run: (burst - 1) steps
};
// `scale` in (0, 1] tightens the rate (load-aware limits) without a second policy.
GcraParams gcraParams(const RatePolicy& policy, double scale);

// One GCRA decision on a stored TAT (microseconds; <= 0 or in the past
// means a full bucket). Updates `tatUs` when the request is allowed.
RateDecision gcraStep(int64_t& tatUs, int64_t nowUs, const GcraParams& params);

class GcraLimiter {
 public:
  // Decides for one request of `key` at `nowMs` under `policy` and `scale`.
  RateDecision decide(const std::string& key, int64_t nowMs, const RatePolicy& policy, double scale = 1.0);
  RateDecision decideUs(const std::string& key, int64_t nowUs, const GcraParams& params);
  // Drops keys whose buckets are full again (idle clients), bounding memory.
  size_t sweep(int64_t nowMs);
  size_t size() const;

 private:
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, int64_t> tat;  // theoretical arrival time, us
  };
  Shard& shardFor(const std::string& key);
  std::array<Shard, 16> shards_;
};

}  // namespace wno::host
