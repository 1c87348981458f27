// The deadline of the plugin call running on this thread, in the clock of
// wno_host_api.monotonic_ns. The host sets it around hooks that must not
// block their caller for long (a shared cache level's get or set); plugins
// read it through the optional host function "wno_host_call_deadline_v1"
// and bound their own waits by it (socket timeouts, pool waits).
// THREADS: per thread; a Scope nests (the earlier deadline wins) and
//   restores the outer deadline when it ends.
#pragma once

#include <chrono>
#include <cstdint>

namespace wno::host {

class CallDeadline {
 public:
  // Monotonic nanoseconds, the same clock as wno_host_api.monotonic_ns.
  static int64_t nowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  // The deadline of the current call on this thread; 0 when there is none.
  static int64_t currentNs() { return t_deadlineNs; }

  class Scope {
   public:
    // timeoutNs <= 0 leaves the current deadline as it is.
    explicit Scope(int64_t timeoutNs) : previousNs_(t_deadlineNs), deadlineNs_(t_deadlineNs) {
      if (timeoutNs <= 0) return;
      const int64_t mine = nowNs() + timeoutNs;
      // A call made while an outer deadline runs may not outlive it.
      if (deadlineNs_ == 0 || mine < deadlineNs_) deadlineNs_ = mine;
      t_deadlineNs = deadlineNs_;
    }
    ~Scope() { t_deadlineNs = previousNs_; }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
    int64_t deadlineNs() const { return deadlineNs_; }

   private:
    int64_t previousNs_;
    int64_t deadlineNs_;
  };

 private:
  static inline thread_local int64_t t_deadlineNs = 0;
};

}  // namespace wno::host
