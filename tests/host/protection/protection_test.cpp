#include "protection/breaker_registry.h"
#include "protection/circuit_breaker.h"
#include "protection/gcra.h"
#include "protection/load_shedder.h"
#include "metrics/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace wno::host {
namespace {

TEST(Gcra, AllowsTheBurstThenSpacesRequestsAtTheRate) {
  GcraLimiter limiter;
  const RatePolicy policy{10, 1000, 3};  // 10/s sustained, 3 at once
  int allowed = 0;
  for (int i = 0; i < 5; ++i) allowed += limiter.decide("ip", 0, policy).allowed ? 1 : 0;
  EXPECT_EQ(allowed, 3);
  auto denied = limiter.decide("ip", 0, policy);
  EXPECT_FALSE(denied.allowed);
  EXPECT_EQ(denied.retryAfterMs, 100);  // one emission interval at 10/s
  EXPECT_FALSE(limiter.decide("ip", 99, policy).allowed);
  EXPECT_TRUE(limiter.decide("ip", 100, policy).allowed);
  // Keys are independent.
  EXPECT_TRUE(limiter.decide("other", 0, policy).allowed);
}

TEST(Gcra, SustainedRateOverAWindowMatchesTheLimit) {
  GcraLimiter limiter;
  const RatePolicy policy{50, 1000, 0};  // burst defaults to the limit
  int allowed = 0;
  // One request per millisecond for 10 seconds: 50 per second get through, plus the initial burst.
  for (int64_t t = 0; t < 10000; ++t) allowed += limiter.decide("k", t, policy).allowed ? 1 : 0;
  EXPECT_GE(allowed, 500);
  EXPECT_LE(allowed, 550);
}

TEST(Gcra, RemainingCountsDownToZero) {
  GcraLimiter limiter;
  const RatePolicy policy{4, 1000, 4};
  EXPECT_EQ(limiter.decide("k", 0, policy).remaining, 3);
  EXPECT_EQ(limiter.decide("k", 0, policy).remaining, 2);
  EXPECT_EQ(limiter.decide("k", 0, policy).remaining, 1);
  EXPECT_EQ(limiter.decide("k", 0, policy).remaining, 0);
  EXPECT_FALSE(limiter.decide("k", 0, policy).allowed);
}

TEST(Gcra, ScaleTightensTheLimit) {
  GcraLimiter limiter;
  const RatePolicy policy{10, 1000, 10};
  int allowed = 0;
  for (int i = 0; i < 10; ++i) allowed += limiter.decide("k", 0, policy, 0.5).allowed ? 1 : 0;
  EXPECT_EQ(allowed, 5);
}

TEST(Gcra, SweepForgetsIdleClients) {
  GcraLimiter limiter;
  const RatePolicy policy{10, 1000, 1};
  limiter.decide("a", 0, policy);
  limiter.decide("b", 500, policy);
  EXPECT_EQ(limiter.size(), 2u);
  EXPECT_EQ(limiter.sweep(200), 1u);  // a's bucket refilled at 100
  EXPECT_EQ(limiter.size(), 1u);
}

TEST(LoadShedder, HysteresisKeepsSheddingUntilLoadFallsBelowResume) {
  LoadShedder shedder(0.9, 0.7);
  EXPECT_FALSE(shedder.update(0.85));
  EXPECT_TRUE(shedder.update(0.95));
  EXPECT_TRUE(shedder.update(0.8));   // between the thresholds: still shedding
  EXPECT_FALSE(shedder.update(0.6));
  EXPECT_FALSE(shedder.update(0.8));  // between the thresholds: still serving
}

}  // namespace
}  // namespace wno::host

namespace wno::host {
namespace {

TEST(BreakerRegistry, ListsEveryBreakerAndMirrorsTransitionsAtMetrics) {
  Metrics metrics;
  BreakerRegistry registry(metrics);
  BreakerOptions options;
  options.failureThreshold = 2;
  options.openFor = std::chrono::milliseconds(60000);
  auto db = registry.create("repository main", "repository", options);
  auto cache = registry.create("cache l2", "cache", options);
  auto again = registry.create("repository main", "repository", options);
  EXPECT_EQ(again->name(), "repository main#2");  // live names stay unique

  EXPECT_FALSE(registry.anyNotClosed());
  for (int i = 0; i < 2; ++i) {
    const BreakerPermit permit = db->allow();
    ASSERT_TRUE(permit);
    db->onFailure(permit);
  }
  EXPECT_FALSE(db->allow());
  EXPECT_TRUE(registry.anyNotClosed());
  const nlohmann::json list = registry.toJson();
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0]["name"], "repository main");
  EXPECT_EQ(list[0]["kind"], "repository");
  EXPECT_EQ(list[0]["state"], "open");
  EXPECT_EQ(list[0]["rejected"], 1);
  EXPECT_EQ(list[0]["transitions"], 1);
  EXPECT_GT(list[0]["retry_in_ms"].get<int64_t>(), 0);
  EXPECT_EQ(list[1]["state"], "closed");

  const std::string text = metrics.serialize();
  EXPECT_THAT(text, ::testing::HasSubstr("wno_circuit_breaker_state{breaker=\"repository main\",kind=\"repository\"} 1"));
  EXPECT_THAT(text, ::testing::HasSubstr("wno_circuit_breaker_state{breaker=\"cache l2\",kind=\"cache\"} 0"));
  EXPECT_THAT(text, ::testing::HasSubstr(
                        "wno_circuit_breaker_transitions_total{breaker=\"repository main\",kind=\"repository\",to=\"open\"} 1"));

  // A dropped breaker is no longer listed.
  cache.reset();
  EXPECT_EQ(registry.toJson().size(), 2u);
}

TEST(BreakerRegistry, ReadsOptionsAndTheEnabledSwitchFromConfig) {
  auto options = breakerOptionsFrom({{"failure_threshold", 3}, {"open_ms", 250}, {"half_open_calls", 2}});
  EXPECT_EQ(options.failureThreshold, 3);
  EXPECT_EQ(options.openFor, std::chrono::milliseconds(250));
  EXPECT_EQ(options.halfOpenCalls, 2);
  EXPECT_EQ(options.window, BreakerOptions{}.window);
  EXPECT_EQ(breakerEnabled(nlohmann::json::object()), std::nullopt);
  EXPECT_EQ(breakerEnabled({{"enabled", false}}), false);
}

}  // namespace
}  // namespace wno::host
