#include "jobs/backoff.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace wno::host::jobs {

const char* backoffKindName(Backoff::Kind kind) { return kind == Backoff::Kind::Fixed ? "fixed" : "exponential"; }

int64_t retryDelayMs(const Backoff& backoff, uint32_t attemptsMade, int64_t maxDelayMs, double unit) {
  double delay = static_cast<double>(std::max<int64_t>(0, backoff.delayMs));
  if (backoff.kind == Backoff::Kind::Exponential && attemptsMade > 1) {
    // Doubling past 2^62 overflows; the cap is reached long before.
    delay = std::ldexp(delay, static_cast<int>(std::min<uint32_t>(attemptsMade - 1, 62)));
  }
  delay = std::min(delay, static_cast<double>(std::max<int64_t>(0, maxDelayMs)));
  const double jitter = std::clamp(backoff.jitter, 0.0, 1.0);
  delay *= 1.0 - jitter * std::clamp(unit, 0.0, 1.0);
  return static_cast<int64_t>(delay);
}

int64_t nextAttemptAtMs(const Backoff& backoff, uint32_t attemptsMade, uint32_t maxAttempts, int64_t nowMs,
                        int64_t maxDelayMs, double unit) {
  if (attemptsMade >= maxAttempts) return -1;
  return nowMs + retryDelayMs(backoff, attemptsMade, maxDelayMs, unit);
}

double jitterUnit() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(random);
}

}  // namespace wno::host::jobs
