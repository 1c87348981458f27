// Tells a level that misses its deadline now and then (a busy, CPU-starved
// host answering late: the level itself is fine) from one that misses it
// mostly (a dead or blackholed server). Over the last `window` calls of a
// level, a deadline miss counts against the level's breaker only while
// misses are at least `rate` of those calls (and there were at least
// `minimumCalls`); until then a late answer is just a late answer. Errors
// count against the breaker at once, as before.
// THREADS: record() is safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

namespace wno::host {

class DeadlineWindow {
 public:
  DeadlineWindow(size_t window, size_t minimumCalls, double rate)
      : slots_(window < 1 ? 1 : window), minimumCalls_(minimumCalls), rate_(rate) {}

  // Records one call; true when deadline misses are now the breaker's
  // business (`missed` and misses have reached the rate).
  bool record(bool missed) {
    std::lock_guard lock(mutex_);
    if (calls_ == slots_.size()) misses_ -= slots_[next_];
    else ++calls_;
    slots_[next_] = missed ? 1 : 0;
    misses_ += slots_[next_];
    next_ = (next_ + 1) % slots_.size();
    return missed && calls_ >= minimumCalls_ &&
           static_cast<double>(misses_) >= rate_ * static_cast<double>(calls_);
  }

 private:
  std::mutex mutex_;
  std::vector<uint8_t> slots_;  // ring of the last calls: 1 = missed its deadline
  size_t next_ = 0, calls_ = 0, misses_ = 0;
  size_t minimumCalls_;
  double rate_;
};

}  // namespace wno::host
