// Single-flight: one computation per key however many callers, and the key
// released however the leader ends, so no caller waits on a flight that
// will never land.
#include "cache/single_flight.h"
#include "eventually.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <stdexcept>
#include <thread>

namespace wno::host {
namespace {

using std::chrono::milliseconds;
using Value = SingleFlight::Value;

// Starts a leader for `key` that holds its flight open until `release`.
std::future<SingleFlight::Outcome> leadUntil(SingleFlight& flights, const std::string& key,
                                             std::promise<void>& started, std::shared_future<void> release,
                                             std::function<Value()> then) {
  return std::async(std::launch::async, [&flights, key, &started, release, then] {
    return flights.run(key, milliseconds(10000), [&] {
      started.set_value();
      release.wait();
      return then();
    });
  });
}

bool waitForJoiners(const SingleFlight& flights, size_t n) {
  return test::eventually([&] { return flights.waiting() >= n; }, std::chrono::seconds(10));
}

TEST(SingleFlight, AJoinerGetsTheLeadersValueWithoutComputing) {
  SingleFlight flights;
  std::promise<void> started, release;
  auto leader = leadUntil(flights, "k", started, release.get_future().share(), [] { return Value(std::string("v")); });
  started.get_future().wait();
  std::atomic<bool> joinerComputed{false};
  auto joiner = std::async(std::launch::async, [&] {
    return flights.run("k", milliseconds(10000), [&] {
      joinerComputed = true;
      return Value(std::string("mine"));
    });
  });
  // The joiner is parked on the leader's flight (it cannot lead: the key is taken).
  ASSERT_TRUE(waitForJoiners(flights, 1));
  release.set_value();
  const auto joined = joiner.get();
  EXPECT_EQ(joined.role, SingleFlight::Role::Joined);
  ASSERT_TRUE(joined.value.isOk());
  EXPECT_EQ(joined.value.value(), "v");
  EXPECT_FALSE(joinerComputed);
  EXPECT_EQ(leader.get().role, SingleFlight::Role::Led);
  EXPECT_EQ(flights.inFlight(), 0u);
}

TEST(SingleFlight, ALeaderThatThrowsReleasesTheKeyAndItsJoinersGetAnError) {
  SingleFlight flights;
  std::promise<void> started, release;
  auto leader = leadUntil(flights, "k", started, release.get_future().share(),
                          []() -> Value { throw std::runtime_error("set failed after compute"); });
  started.get_future().wait();
  auto joiner = std::async(std::launch::async, [&] {
    return flights.run("k", milliseconds(10000), [] { return Value(std::string("unused")); });
  });
  ASSERT_TRUE(waitForJoiners(flights, 1));
  release.set_value();
  EXPECT_THROW(leader.get(), std::runtime_error);
  const auto joined = joiner.get();
  EXPECT_EQ(joined.role, SingleFlight::Role::Joined);
  EXPECT_EQ(joined.value.status().code(), WNO_ERR_INTERNAL);
  EXPECT_EQ(flights.inFlight(), 0u);
  // The next caller leads a new flight instead of joining the dead one.
  const auto next = flights.run("k", milliseconds(100), [] { return Value(std::string("again")); });
  EXPECT_EQ(next.role, SingleFlight::Role::Led);
  EXPECT_EQ(next.value.value(), "again");
}

TEST(SingleFlight, AJoinerWaitsAtMostItsBoundAndTheLeaderCarriesOn) {
  SingleFlight flights;
  std::promise<void> started, release;
  auto leader = leadUntil(flights, "k", started, release.get_future().share(), [] { return Value(std::string("late")); });
  started.get_future().wait();
  const auto gaveUp = flights.run("k", milliseconds(20), [] { return Value(std::string("unused")); });
  EXPECT_EQ(gaveUp.role, SingleFlight::Role::JoinTimedOut);
  EXPECT_EQ(gaveUp.value.status().code(), WNO_ERR_TIMEOUT);
  EXPECT_NE(gaveUp.value.status().message().find("20 ms"), std::string::npos) << gaveUp.value.status().message();
  EXPECT_EQ(flights.inFlight(), 1u);
  release.set_value();
  EXPECT_EQ(leader.get().value.value(), "late");
  EXPECT_EQ(flights.inFlight(), 0u);
}

TEST(SingleFlight, DifferentKeysFlyIndependently) {
  SingleFlight flights;
  std::promise<void> started, release;
  auto leader = leadUntil(flights, "a", started, release.get_future().share(), [] { return Value(std::string("a")); });
  started.get_future().wait();
  const auto other = flights.run("b", milliseconds(10), [] { return Value(std::string("b")); });
  EXPECT_EQ(other.role, SingleFlight::Role::Led);
  EXPECT_EQ(other.value.value(), "b");
  release.set_value();
  EXPECT_EQ(leader.get().value.value(), "a");
}

}  // namespace
}  // namespace wno::host
