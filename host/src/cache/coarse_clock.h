// "Has this expiry passed?" for hot paths, mostly without reading the
// precise clock. The kernel's coarse wall clock (updated once per tick, read
// for a fraction of clock_gettime's cost) lags real time by at most its
// resolution, so an expiry later than coarse + resolution has certainly not
// passed; only expiries within a tick of now need the precise clock.
// THREADS: stateless; safe anywhere.
#pragma once

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
    return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000 + resolutionMs();
  }
  // Precise Unix ms (the system clock).
  static int64_t nowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  // True when `atMs` is still in the future.
  static bool before(int64_t atMs) { return atMs > upperBoundMs() || atMs > nowMs(); }

 private:
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
