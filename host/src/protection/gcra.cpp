#include "protection/gcra.h"

#include <algorithm>
#include <functional>

namespace wno::host {

GcraLimiter::Shard& GcraLimiter::shardFor(const std::string& key) {
  return shards_[std::hash<std::string>{}(key) % shards_.size()];
}

RateDecision GcraLimiter::decide(const std::string& key, int64_t nowMs, const RatePolicy& policy, double scale) {
  scale = std::clamp(scale, 0.01, 1.0);
  const int64_t limit = std::max<int64_t>(1, static_cast<int64_t>(policy.limit * scale));
  const int64_t burst = std::max<int64_t>(1, policy.burst > 0 ? static_cast<int64_t>(policy.burst * scale) : limit);
  // Emission interval: the spacing between requests at the sustained rate.
  const double interval = static_cast<double>(policy.windowMs) / static_cast<double>(limit);
  const int64_t tolerance = static_cast<int64_t>(interval * static_cast<double>(burst - 1));
  const int64_t step = std::max<int64_t>(1, static_cast<int64_t>(interval));

  Shard& shard = shardFor(key);
  std::lock_guard lock(shard.mutex);
  int64_t& tat = shard.tat.try_emplace(key, nowMs).first->second;
  const int64_t current = std::max(tat, nowMs);
  const int64_t allowAt = current - tolerance;

  RateDecision d;
  d.limit = limit;
  if (nowMs < allowAt) {
    d.allowed = false;
    d.retryAfterMs = allowAt - nowMs;
    d.remaining = 0;
    d.resetAfterMs = current - nowMs;
    return d;
  }
  tat = current + step;
  d.allowed = true;
  d.resetAfterMs = tat - nowMs;
  // Requests left before the next one would be refused.
  const int64_t slack = tolerance - (tat - nowMs);
  d.remaining = slack < 0 ? 0 : std::min(burst - 1, slack / step + 1);
  return d;
}

size_t GcraLimiter::sweep(int64_t nowMs) {
  size_t removed = 0;
  for (auto& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    for (auto it = shard.tat.begin(); it != shard.tat.end();) {
      if (it->second <= nowMs) {
        it = shard.tat.erase(it);
        ++removed;
      } else {
        ++it;
      }
    }
  }
  return removed;
}

size_t GcraLimiter::size() const {
  size_t n = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    n += shard.tat.size();
  }
  return n;
}

}  // namespace wno::host
