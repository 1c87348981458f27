// When a failed attempt runs again. The host owns retry policy; stores only
// record the time it picks. Pure functions so the timing is testable.
#pragma once

#include <cstdint>
#include <string>

namespace wno::host::jobs {

struct Backoff {
  enum class Kind { Fixed, Exponential };
  Kind kind = Kind::Exponential;
  int64_t delayMs = 1000;  // the first retry's delay
  double jitter = 0;       // 0..1: the delay is drawn from [d * (1 - jitter), d]
};

const char* backoffKindName(Backoff::Kind kind);

// Delay before attempt `attemptsMade + 1`, given `attemptsMade` >= 1 failed
// attempts: fixed is always delayMs; exponential doubles per attempt
// (delayMs * 2^(attemptsMade-1)), both capped at maxDelayMs. `unit` in [0,1)
// picks the point inside the jitter range (the caller's randomness).
int64_t retryDelayMs(const Backoff& backoff, uint32_t attemptsMade, int64_t maxDelayMs, double unit);

// When a job that just failed attempt `attemptsMade` of `maxAttempts` runs
// again (Unix ms), or -1 when its attempts are used up (dead letter).
int64_t nextAttemptAtMs(const Backoff& backoff, uint32_t attemptsMade, uint32_t maxAttempts, int64_t nowMs,
                        int64_t maxDelayMs, double unit);

// A uniform draw in [0, 1) from a per-thread generator, for jitter.
double jitterUnit();

}  // namespace wno::host::jobs
