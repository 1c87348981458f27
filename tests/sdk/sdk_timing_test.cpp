// Host::executeWithTiming and Host::startTiming (wno/timing.h): what the
// host's timing function receives, through a throw, with the cached flag
// learned midway, and that a host without the function costs nothing.
#include <wno/sdk/sdk.hpp>
#include <wno/sdk/testing.hpp>

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>

namespace {

using wno::sdk::testing::FakeHost;

TEST(SdkTiming, ExecuteWithTimingAnswersWhatTheOperationAnswersAndTimesItOnce) {
  FakeHost fake;
  const wno::sdk::Host host(fake.api(), fake.ctx());
  const int answer = host.executeWithTiming("leaderboard", [] {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return 42;
  }, "battles");
  EXPECT_EQ(answer, 42);
  const auto timings = fake.timings();
  ASSERT_EQ(timings.size(), 1u);
  EXPECT_EQ(timings[0].collection, "battles");
  EXPECT_EQ(timings[0].operation, "leaderboard");
  EXPECT_GE(timings[0].durationNs, 2'000'000);
  EXPECT_FALSE(timings[0].cached);
}

TEST(SdkTiming, AnOperationThatThrowsIsTimedAndTheErrorGoesOn) {
  FakeHost fake;
  const wno::sdk::Host host(fake.api(), fake.ctx());
  EXPECT_THROW(host.executeWithTiming("flaky", []() -> int { throw std::runtime_error("remote down"); }),
               std::runtime_error);
  ASSERT_EQ(fake.timings().size(), 1u);
  EXPECT_EQ(fake.timings()[0].operation, "flaky");
  EXPECT_EQ(fake.timings()[0].collection, "") << "empty: the host names the component";
}

TEST(SdkTiming, ATimingLearnsMidwayThatACacheAnswered) {
  FakeHost fake;
  const wno::sdk::Host host(fake.api(), fake.ctx());
  {
    wno::sdk::Timing timing = host.startTiming("profile", "users");
    EXPECT_TRUE(fake.timings().empty()) << "recorded when it ends, not before";
    timing.setCached(true);
  }
  host.executeWithTiming("profile", [] {}, "users", true);
  const auto timings = fake.timings();
  ASSERT_EQ(timings.size(), 2u);
  EXPECT_TRUE(timings[0].cached);
  EXPECT_TRUE(timings[1].cached);
}

TEST(SdkTiming, AHostWithoutTheTimingFunctionRunsTheOperationUntimed) {
  wno_host_api bare{};
  bare.struct_size = sizeof bare;
  bare.lookup = [](wno_str) -> wno_host_fn { return nullptr; };
  const wno::sdk::Host host(&bare, nullptr);
  EXPECT_EQ(host.executeWithTiming("anything", [] { return 7; }), 7);
  // A table that ends before lookup: WNO_HOST_HAS guards the read.
  wno_host_api shortTable{};
  shortTable.struct_size = offsetof(wno_host_api, lookup);
  const wno::sdk::Host older(&shortTable, nullptr);
  EXPECT_EQ(older.executeWithTiming("anything", [] { return 8; }), 8);
}

}  // namespace
