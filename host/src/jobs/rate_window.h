// Counts events in one-second buckets over a sliding window, for per-queue
// completion and failure rates and the failure-rate alert. THREADS: safe
// from any thread (one mutex; a handful of calls per job).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <vector>

namespace wno::host::jobs {

class RateWindow {
 public:
  using Clock = std::chrono::steady_clock;

  explicit RateWindow(size_t seconds) : buckets_(seconds == 0 ? 1 : seconds) {}

  void add(Clock::time_point now, uint64_t n = 1) {
    std::lock_guard lock(mutex_);
    slot(now) += n;
  }
  // Events in the last `seconds` (at most the window), including this second.
  uint64_t count(Clock::time_point now, size_t seconds) {
    std::lock_guard lock(mutex_);
    advance(now);
    uint64_t total = 0;
    const size_t n = std::min(seconds, buckets_.size());
    for (size_t i = 0; i < n; ++i) total += buckets_[(head_ + buckets_.size() - i) % buckets_.size()].count;
    return total;
  }

 private:
  struct Bucket {
    int64_t second = 0;
    uint64_t count = 0;
  };
  static int64_t secondOf(Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  }
  // Moves the head to now's second, zeroing the buckets skipped meanwhile.
  void advance(Clock::time_point now) {
    const int64_t second = secondOf(now);
    if (second <= current_) return;
    const int64_t steps = std::min<int64_t>(second - current_, static_cast<int64_t>(buckets_.size()));
    for (int64_t i = 0; i < steps; ++i) {
      head_ = (head_ + 1) % buckets_.size();
      buckets_[head_] = Bucket{current_ + i + 1, 0};
    }
    current_ = second;
  }
  uint64_t& slot(Clock::time_point now) {
    advance(now);
    return buckets_[head_].count;
  }

  std::mutex mutex_;
  std::vector<Bucket> buckets_;
  size_t head_ = 0;
  int64_t current_ = secondOf(Clock::now());
};

}  // namespace wno::host::jobs
