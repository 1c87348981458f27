// Sheds non-critical traffic when the load factor is high, with hysteresis
// so the host does not flap: shedding starts above `shedAbove` and stops
// only once load falls below `resumeBelow`.
#pragma once

#include <atomic>

namespace wno::host {

class LoadShedder {
 public:
  LoadShedder(double shedAbove, double resumeBelow) : shedAbove_(shedAbove), resumeBelow_(resumeBelow) {}

  // Updates the state from the current load; returns whether to shed now.
  bool update(double load) {
    bool shedding = shedding_.load(std::memory_order_relaxed);
    if (!shedding && load > shedAbove_) shedding = true;
    else if (shedding && load < resumeBelow_) shedding = false;
    shedding_.store(shedding, std::memory_order_relaxed);
    return shedding;
  }
  bool shedding() const { return shedding_.load(std::memory_order_relaxed); }

 private:
  double shedAbove_;
  double resumeBelow_;
  std::atomic<bool> shedding_{false};
};

}  // namespace wno::host
