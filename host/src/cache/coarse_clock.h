// "Has this expiry passed?" for hot paths, mostly without reading the
// precise clock. The kernel's coarse wall clock (updated once per tick, read
// for a fraction of clock_gettime's cost) lags real time by its resolution,
// and by a few more ticks on a busy virtual machine whose timer interrupts
// arrive late (seen on the 2-core test VM under load). So an expiry later
// than coarse + resolution + kLateTicksMs has not passed; only expiries that
// close to now need the precise clock, which TTLs of seconds rarely are.
// THREADS: stateless; safe anywhere.
#pragma once

#include "common/clock.h"

#include <time.h>

#include <chrono>
#include <cstdint>

namespace wno::host {

class CoarseClock {
 public:
  // Unix ms that real time is certainly below right now.
  static int64_t upperBoundMs() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000 + resolutionMs() + kLateTicksMs;
  }
  // Precise Unix ms (the system clock).
  static int64_t nowMs() { return common::unixNowMs(); }
  // True when `atMs` is still in the future.
  static bool before(int64_t atMs) { return atMs > upperBoundMs() || atMs > nowMs(); }

 private:
  // Margin for timer ticks delivered late (see above).
  static constexpr int64_t kLateTicksMs = 50;

  static int64_t resolutionMs() {
    static const int64_t ms = [] {
      timespec res{};
      clock_getres(CLOCK_REALTIME_COARSE, &res);
      // Rounded up, plus one: the coarse reading itself is truncated to ms.
      return static_cast<int64_t>(res.tv_sec) * 1000 + (res.tv_nsec + 999'999) / 1'000'000 + 1;
    }();
    return ms;
  }
};

}  // namespace wno::host
