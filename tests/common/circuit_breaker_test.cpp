// The circuit breaker of common/ (host and plugins) on a scripted clock:
// consecutive failures and the failure rate open it, it stays open for
// openFor, half-open lets a bounded number of trials through, outcomes of
// calls from an earlier period are ignored, an abandoned trial frees its
// slot, and listeners see every transition.
#include "common/circuit_breaker.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace wno::common {
namespace {

class CircuitBreakerTest : public ::testing::Test {
 protected:
  CircuitBreaker::Clock::time_point now{};
  CircuitBreaker make(BreakerOptions options) {
    return CircuitBreaker("dep", options, [this] { return now; });
  }
  // One failure opens it (threshold 1); then its open period passes, so
  // the next allow() is a trial.
  void openAndWait(CircuitBreaker& breaker) {
    breaker.onFailure(breaker.allow());
    ASSERT_EQ(breaker.state(), BreakerState::Open);
    now += breaker.options().openFor;
  }
  static BreakerOptions oneFailureOpens() {
    BreakerOptions options;
    options.failureThreshold = 1;
    options.openFor = std::chrono::milliseconds(500);
    return options;
  }
};

TEST_F(CircuitBreakerTest, OpensAfterConsecutiveFailuresAndRecoversThroughHalfOpen) {
  BreakerOptions options;
  options.failureThreshold = 3;
  options.openFor = std::chrono::milliseconds(1000);
  auto breaker = make(options);
  std::vector<std::string> transitions;
  breaker.addListener([&](BreakerState from, BreakerState to) {
    transitions.push_back(std::string(breakerStateName(from)) + "->" + breakerStateName(to));
  });
  for (int i = 0; i < 3; ++i) {
    const BreakerPermit permit = breaker.allow();
    ASSERT_TRUE(permit);
    breaker.onFailure(permit);
  }
  EXPECT_EQ(breaker.state(), BreakerState::Open);
  EXPECT_FALSE(breaker.allow());
  now += std::chrono::milliseconds(1000);
  EXPECT_EQ(breaker.state(), BreakerState::HalfOpen);
  const BreakerPermit trial = breaker.allow();
  EXPECT_TRUE(trial);
  EXPECT_FALSE(breaker.allow());  // only one trial call at a time
  breaker.onSuccess(trial);
  EXPECT_EQ(breaker.state(), BreakerState::Closed);
  EXPECT_EQ(transitions, (std::vector<std::string>{"closed->open", "open->half_open", "half_open->closed"}));
}

TEST_F(CircuitBreakerTest, AFailedTrialReopensForAWholeNewPeriod) {
  auto breaker = make(oneFailureOpens());
  openAndWait(breaker);
  breaker.onFailure(breaker.allow());
  EXPECT_EQ(breaker.state(), BreakerState::Open);
  EXPECT_FALSE(breaker.allow());
  EXPECT_EQ(breaker.retryIn(), std::chrono::milliseconds(500)) << "counted from the failed trial";
  now += std::chrono::milliseconds(500);
  EXPECT_TRUE(breaker.allow());
}

// A call admitted while the circuit was closed that fails only after it
// opened (a request that waited seconds on a dying database) lands in the
// half-open period: it must not reopen the circuit under the trial call.
TEST_F(CircuitBreakerTest, AFailureOfACallAdmittedBeforeTheCircuitOpenedLeavesTheTrialAlone) {
  BreakerOptions options;
  options.failureThreshold = 2;
  auto breaker = make(options);
  const BreakerPermit straggler = breaker.allow();
  breaker.onFailure(breaker.allow());
  breaker.onFailure(breaker.allow());
  ASSERT_EQ(breaker.state(), BreakerState::Open);
  now += options.openFor;
  const BreakerPermit trial = breaker.allow();
  ASSERT_TRUE(trial);
  breaker.onFailure(straggler);
  EXPECT_EQ(breaker.state(), BreakerState::HalfOpen);
  breaker.onSuccess(trial);
  EXPECT_EQ(breaker.state(), BreakerState::Closed);
  EXPECT_EQ(breaker.snapshot().staleOutcomes, 1u);
}

// Nor does a straggler's success close it, or its failure count against
// the closed period that follows.
TEST_F(CircuitBreakerTest, OutcomesOfCallsFromAnEarlierPeriodNeitherCloseNorTripTheCircuit) {
  BreakerOptions options;
  options.failureThreshold = 1;
  auto breaker = make(options);
  const BreakerPermit early = breaker.allow();
  const BreakerPermit late = breaker.allow();
  breaker.onFailure(breaker.allow());
  ASSERT_EQ(breaker.state(), BreakerState::Open);
  now += options.openFor;
  const BreakerPermit trial = breaker.allow();
  breaker.onSuccess(early);
  EXPECT_EQ(breaker.state(), BreakerState::HalfOpen) << "only the trial decides";
  breaker.onSuccess(trial);
  ASSERT_EQ(breaker.state(), BreakerState::Closed);
  breaker.onFailure(late);
  EXPECT_EQ(breaker.state(), BreakerState::Closed) << "a failure from before the outage is not a new one";
  breaker.onFailure(breaker.allow());
  EXPECT_EQ(breaker.state(), BreakerState::Open);
  EXPECT_EQ(breaker.snapshot().staleOutcomes, 2u);
}

TEST_F(CircuitBreakerTest, OpensOnFailureRateOverTheWindow) {
  BreakerOptions options;
  options.failureThreshold = 100;  // only the rate can trip it
  options.window = 10;
  options.minimumCalls = 10;
  options.failureRate = 0.5;
  auto breaker = make(options);
  for (int i = 0; i < 9; ++i) {
    const BreakerPermit permit = breaker.allow();
    if (i % 2 == 0) breaker.onFailure(permit); else breaker.onSuccess(permit);
  }
  EXPECT_EQ(breaker.state(), BreakerState::Closed);  // 5 of 9: below minimum calls
  breaker.onSuccess(breaker.allow());  // 5 of 10 failed, but only a failure can trip the breaker
  breaker.onFailure(breaker.allow());  // the window slides to 5 failures of the last 10: 50 %
  EXPECT_EQ(breaker.state(), BreakerState::Open);
}

// As send_notification's webhook configures it: consecutive failures only.
TEST_F(CircuitBreakerTest, AFailureRateAboveOneLeavesOnlyConsecutiveFailures) {
  BreakerOptions options;
  options.failureThreshold = 3;
  options.failureRate = 2.0;
  options.window = 4;
  options.minimumCalls = 4;
  options.openFor = std::chrono::milliseconds(500);
  auto breaker = make(options);
  for (int round = 0; round < 5; ++round) {  // 2 of every 3 calls fail, never 3 in a row
    breaker.onFailure(breaker.allow());
    breaker.onFailure(breaker.allow());
    ASSERT_EQ(breaker.snapshot().consecutiveFailures, 2);
    breaker.onSuccess(breaker.allow());
    EXPECT_EQ(breaker.snapshot().consecutiveFailures, 0) << "a success resets the run";
  }
  EXPECT_EQ(breaker.state(), BreakerState::Closed);
  for (int i = 0; i < 3; ++i) breaker.onFailure(breaker.allow());
  EXPECT_EQ(breaker.state(), BreakerState::Open);
  EXPECT_FALSE(breaker.allow());
  EXPECT_EQ(breaker.retryIn(), std::chrono::milliseconds(500));
  now += std::chrono::milliseconds(200);
  EXPECT_FALSE(breaker.allow());
  EXPECT_EQ(breaker.retryIn(), std::chrono::milliseconds(300));
  EXPECT_EQ(breaker.snapshot().rejected, 2u);
}

// A trial whose call ended for another reason (the job was cancelled)
// says nothing about the dependency: the next call may try instead.
TEST_F(CircuitBreakerTest, AnAbandonedTrialFreesItsSlotAndCountsNothing) {
  auto breaker = make(oneFailureOpens());
  openAndWait(breaker);
  const BreakerPermit trial = breaker.allow();
  ASSERT_TRUE(trial);
  EXPECT_FALSE(breaker.allow());
  breaker.onAbandoned(trial);
  EXPECT_EQ(breaker.state(), BreakerState::HalfOpen);
  const BreakerPermit next = breaker.allow();
  ASSERT_TRUE(next);
  breaker.onSuccess(next);
  EXPECT_EQ(breaker.state(), BreakerState::Closed);
}

TEST_F(CircuitBreakerTest, AbandoningACallFromAnEarlierPeriodFreesNoTrialSlot) {
  auto breaker = make(oneFailureOpens());
  const BreakerPermit straggler = breaker.allow();
  openAndWait(breaker);
  ASSERT_TRUE(breaker.allow());
  breaker.onAbandoned(straggler);
  EXPECT_FALSE(breaker.allow()) << "the trial is still out";
}

}  // namespace
}  // namespace wno::common
