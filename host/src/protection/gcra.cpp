#include "protection/gcra.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace wno::host {
namespace {

// Header values and retry hints are whole milliseconds; round up so a
// client told to wait never comes back early.
int64_t ceilMs(int64_t us) { return us <= 0 ? 0 : (us + 999) / 1000; }

}  // namespace

GcraParams gcraParams(const RatePolicy& policy, double scale) {
  scale = std::clamp(scale, 0.01, 1.0);
  GcraParams p;
  p.limit = std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(policy.limit) * scale));
  p.burst = std::max<int64_t>(
      1, policy.burst > 0 ? static_cast<int64_t>(static_cast<double>(policy.burst) * scale) : p.limit);
  const double intervalUs = static_cast<double>(policy.windowMs) * 1000.0 / static_cast<double>(p.limit);
  p.stepUs = std::max<int64_t>(1, std::llround(intervalUs));
  p.toleranceUs = p.stepUs * (p.burst - 1);
  return p;
}

RateDecision gcraStep(int64_t& tatUs, int64_t nowUs, const GcraParams& p) {
  const int64_t current = std::max(tatUs, nowUs);
  const int64_t allowAt = current - p.toleranceUs;
  RateDecision d;
  d.limit = p.limit;
  if (nowUs < allowAt) {
    d.allowed = false;
    d.remaining = 0;
    d.retryAfterMs = ceilMs(allowAt - nowUs);
    d.resetAfterMs = ceilMs(current - nowUs);
    return d;
  }
  tatUs = current + p.stepUs;
  d.allowed = true;
  d.resetAfterMs = ceilMs(tatUs - nowUs);
  // Requests left before the next one would be refused.
  const int64_t slack = p.toleranceUs - (tatUs - nowUs);
  d.remaining = slack < 0 ? 0 : std::min(p.burst - 1, slack / p.stepUs + 1);
  return d;
}

GcraLimiter::Shard& GcraLimiter::shardFor(const std::string& key) {
  return shards_[std::hash<std::string>{}(key) % shards_.size()];
}

RateDecision GcraLimiter::decide(const std::string& key, int64_t nowMs, const RatePolicy& policy, double scale) {
  return decideUs(key, nowMs * 1000, gcraParams(policy, scale));
}

RateDecision GcraLimiter::decideUs(const std::string& key, int64_t nowUs, const GcraParams& params) {
  Shard& shard = shardFor(key);
  std::lock_guard lock(shard.mutex);
  int64_t& tat = shard.tat.try_emplace(key, nowUs).first->second;
  return gcraStep(tat, nowUs, params);
}

size_t GcraLimiter::sweep(int64_t nowMs) {
  const int64_t nowUs = nowMs * 1000;
  size_t removed = 0;
  for (auto& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    removed += std::erase_if(shard.tat, [nowUs](const auto& entry) { return entry.second <= nowUs; });
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
