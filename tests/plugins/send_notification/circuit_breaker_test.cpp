// send_notification's circuit breaker on a scripted clock: closed -> open
// after the threshold, open for open_ms, one half-open trial at a time,
// and the listener seeing every transition.
#include "circuit_breaker.h"

#include <gtest/gtest.h>

#include <vector>

namespace {

using wno::notify::CircuitBreaker;
using State = CircuitBreaker::State;

struct Harness {
  int64_t now = 1000;
  std::vector<std::pair<State, State>> changes;
  CircuitBreaker breaker{{3, 500}, [this] { return now; },
                         [this](State from, State to) { changes.emplace_back(from, to); }};
};

TEST(CircuitBreaker, OpensAfterConsecutiveFailuresOnly) {
  Harness h;
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(h.breaker.tryAcquire());
    h.breaker.failed();
  }
  ASSERT_TRUE(h.breaker.tryAcquire());
  h.breaker.succeeded();  // a success resets the run
  EXPECT_EQ(h.breaker.consecutiveFailures(), 0);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(h.breaker.tryAcquire());
    h.breaker.failed();
  }
  EXPECT_EQ(h.breaker.state(), State::Open);
  EXPECT_FALSE(h.breaker.tryAcquire());
  EXPECT_EQ(h.breaker.msUntilTrial(), 500);
  h.now += 200;
  EXPECT_FALSE(h.breaker.tryAcquire());
  EXPECT_EQ(h.breaker.msUntilTrial(), 300);
  ASSERT_EQ(h.changes.size(), 1u);
  EXPECT_EQ(h.changes[0], std::make_pair(State::Closed, State::Open));
}

TEST(CircuitBreaker, HalfOpenLetsOneTrialThroughAndItsSuccessCloses) {
  Harness h;
  for (int i = 0; i < 3; ++i) {
    h.breaker.tryAcquire();
    h.breaker.failed();
  }
  h.now += 500;
  ASSERT_TRUE(h.breaker.tryAcquire());
  EXPECT_EQ(h.breaker.state(), State::HalfOpen);
  EXPECT_FALSE(h.breaker.tryAcquire());  // the trial is still out
  h.breaker.succeeded();
  EXPECT_EQ(h.breaker.state(), State::Closed);
  EXPECT_TRUE(h.breaker.tryAcquire());
  EXPECT_TRUE(h.breaker.tryAcquire());
  EXPECT_EQ(h.changes, (std::vector<std::pair<State, State>>{
                           {State::Closed, State::Open}, {State::Open, State::HalfOpen}, {State::HalfOpen, State::Closed}}));
}

TEST(CircuitBreaker, AFailedTrialOpensAgainForAnotherPeriod) {
  Harness h;
  for (int i = 0; i < 3; ++i) {
    h.breaker.tryAcquire();
    h.breaker.failed();
  }
  h.now += 600;
  ASSERT_TRUE(h.breaker.tryAcquire());
  h.breaker.failed();
  EXPECT_EQ(h.breaker.state(), State::Open);
  EXPECT_FALSE(h.breaker.tryAcquire());
  EXPECT_EQ(h.breaker.msUntilTrial(), 500);  // counted from the failed trial
  h.now += 500;
  EXPECT_TRUE(h.breaker.tryAcquire());
}

TEST(CircuitBreaker, AnAbandonedTrialFreesTheSlot) {
  Harness h;
  for (int i = 0; i < 3; ++i) {
    h.breaker.tryAcquire();
    h.breaker.failed();
  }
  h.now += 500;
  ASSERT_TRUE(h.breaker.tryAcquire());
  h.breaker.abandoned();  // e.g. the job was cancelled mid-call
  EXPECT_EQ(h.breaker.state(), State::HalfOpen);
  EXPECT_TRUE(h.breaker.tryAcquire());
}

}  // namespace
