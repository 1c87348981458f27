// The two clocks every component reads: the wall clock as Unix milliseconds
// (expiries, timestamps other hosts compare) and a monotonic one (intervals,
// deadlines inside this process); and a duration as the C timeval that
// hiredis's timeouts take.
// THREADS: stateless.
#pragma once

#include <sys/time.h>

#include <chrono>
#include <cstdint>

namespace wno::common {

inline int64_t unixNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline int64_t steadyNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

inline timeval toTimeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

}  // namespace wno::common
