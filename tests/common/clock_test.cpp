#include "common/clock.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace wno::common {
namespace {

TEST(Clock, UnixNowMsIsTheSystemClock) {
  using namespace std::chrono;
  const int64_t before = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  const int64_t now = unixNowMs();
  const int64_t after = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  EXPECT_LE(before, now);
  EXPECT_LE(now, after);
}

TEST(Clock, SteadyNowMsMovesForward) {
  const int64_t start = steadyNowMs();
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_GE(steadyNowMs() - start, 5);
}

TEST(Clock, ToTimevalSplitsSecondsAndMicroseconds) {
  const timeval tv = toTimeval(std::chrono::milliseconds(2345));
  EXPECT_EQ(tv.tv_sec, 2);
  EXPECT_EQ(tv.tv_usec, 345000);
}

}  // namespace
}  // namespace wno::common
