// The host cache service: levels, L2 fill, tags, adaptive TTL, single-flight,
// fail-safe and backplane, over fake backends behind the real C vtable.
#include "cache/cache_service.h"
#include "cache/coarse_clock.h"
#include "cache/envelope.h"
#include "cache/ttl_curve.h"
#include "common/clock.h"
#include "eventually.h"
#include "fake_cache_backend.h"
#include "plugins/host_context.h"
#include "services/call_deadline.h"
#include "services/host_api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <wno/sdk/sinks.hpp>

#include <thread>

namespace wno::host {
namespace {

using test::FakeCacheState;
using test::eventually;
using test::makeFakeBackend;

class CacheServiceTest : public ::testing::Test {
 protected:
  HostServices services;
  FakeCacheState l1, l2;

  std::unique_ptr<CacheService> make(CacheServiceOptions options = {}, bool twoLevels = true, bool backplane = false) {
    std::vector<CacheLevel> levels;
    levels.push_back({"l1", makeFakeBackend(l1, services)});
    if (twoLevels) levels.push_back({"l2", makeFakeBackend(l2, services, backplane)});
    return std::make_unique<CacheService>(std::move(levels), options, services);
  }
};

TEST(TtlCurve, InterpolatesAndClampsAtTheEnds) {
  TtlCurve curve({{0.5, 1.0}, {1.0, 4.0}});
  EXPECT_DOUBLE_EQ(curve.multiplier(0.0), 1.0);
  EXPECT_DOUBLE_EQ(curve.multiplier(0.5), 1.0);
  EXPECT_DOUBLE_EQ(curve.multiplier(0.75), 2.5);
  EXPECT_DOUBLE_EQ(curve.multiplier(1.0), 4.0);
  std::string error;
  EXPECT_FALSE(TtlCurve::fromJson(nlohmann::json::parse("[[2, 1]]"), error));
  EXPECT_EQ(error, "/0/0: load must be within 0..1");
  EXPECT_FALSE(TtlCurve::fromJson(nlohmann::json::parse("[[0.5, 0]]"), error));
}

TEST(CoarseClock, AnswersExactlyWhetherAnExpiryHasPassed) {
  const int64_t now = CoarseClock::nowMs();
  EXPECT_GT(CoarseClock::upperBoundMs(), now);
  EXPECT_TRUE(CoarseClock::before(now + 60000));
  EXPECT_FALSE(CoarseClock::before(now - 1));
  // Within a tick of now the precise clock decides.
  EXPECT_TRUE(CoarseClock::before(CoarseClock::nowMs() + 2));
  EXPECT_FALSE(CoarseClock::before(CoarseClock::nowMs()));
}

TEST(Envelope, RoundTripsAndRejectsForeignOrTruncatedBytes) {
  CacheEnvelope e{1234567890123, "statistics", {"users", "users:1"}, std::string("v\0al", 4)};
  auto bytes = encodeEnvelope(e);
  auto back = decodeEnvelope(bytes);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->logicalExpiresAtMs, e.logicalExpiresAtMs);
  EXPECT_EQ(back->region, "statistics");
  EXPECT_EQ(back->tags, e.tags);
  EXPECT_EQ(back->value, e.value);
  EXPECT_FALSE(decodeEnvelope("plain value"));
  for (size_t n = 0; n < bytes.size() - e.value.size(); ++n) EXPECT_FALSE(decodeEnvelope(bytes.substr(0, n))) << n;
}

TEST_F(CacheServiceTest, SetGetAndL2HitFillsL1WithTags) {
  auto cache = make();
  ASSERT_TRUE(cache->set("k", "v", {0, {"users", "users:1"}, ""}).isOk());
  EXPECT_EQ(l1.entries.size(), 1u);
  EXPECT_EQ(l2.entries.size(), 1u);
  l1.entries.clear();
  auto got = cache->get("k");
  ASSERT_TRUE(got.isOk());
  EXPECT_EQ(*got.value(), "v");
  ASSERT_EQ(l1.entries.size(), 1u);  // filled from l2
  EXPECT_EQ(l1.entries["k"].tags, (std::set<std::string>{"users", "users:1"}));
  auto removed = cache->invalidateTag("users:1");
  ASSERT_TRUE(removed.isOk());
  EXPECT_EQ(removed.value(), 1u);
  EXPECT_TRUE(l1.entries.empty());
  EXPECT_TRUE(l2.entries.empty());
  EXPECT_FALSE(cache->get("k").value());
}

TEST_F(CacheServiceTest, AdaptiveTtlFollowsTheLoadFactor) {
  CacheServiceOptions options;
  options.adaptiveTtl = true;
  options.curve = TtlCurve({{0.5, 1.0}, {1.0, 4.0}});
  options.regions["statistics"].curve = TtlCurve({{0.0, 2.0}, {1.0, 8.0}});
  auto cache = make(options);
  services.setLoadFactor(0.2);
  EXPECT_EQ(cache->effectiveTtlMs(1000, ""), 1000);
  services.setLoadFactor(1.0);
  EXPECT_EQ(cache->effectiveTtlMs(1000, ""), 4000);
  EXPECT_EQ(cache->effectiveTtlMs(1000, "statistics"), 8000);
  const int64_t before = common::unixNowMs();
  ASSERT_TRUE(cache->set("k", "v", {1000, {}, ""}).isOk());
  auto envelope = decodeEnvelope(l1.entries["k"].value);
  ASSERT_TRUE(envelope);
  EXPECT_GE(envelope->logicalExpiresAtMs, before + 4000);
  EXPECT_LE(envelope->logicalExpiresAtMs, common::unixNowMs() + 4000);
  EXPECT_DOUBLE_EQ(cache->stats()["regions"]["default"]["ttl_multiplier"], 4.0);
}

TEST_F(CacheServiceTest, RegionDefaultsAndRegionInvalidation) {
  CacheServiceOptions options;
  options.defaultTtlMs = 1000;
  options.regions["battles"].ttlMs = 5000;
  auto cache = make(options);
  EXPECT_EQ(cache->effectiveTtlMs(0, "battles"), 5000);
  EXPECT_EQ(cache->effectiveTtlMs(0, "other"), 1000);
  cache->set("a", "1", {0, {}, "battles"});
  cache->set("b", "2", {0, {}, "users"});
  ASSERT_TRUE(cache->invalidateRegion("battles").isOk());
  EXPECT_FALSE(cache->get("a").value());
  EXPECT_TRUE(cache->get("b").value());
}

TEST_F(CacheServiceTest, SingleFlightRunsOneComputeFor64Threads) {
  auto cache = make();
  std::atomic<int> computes{0};
  std::atomic<bool> release{false};
  std::vector<std::thread> threads;
  std::vector<std::string> results(64);
  for (int i = 0; i < 64; ++i) {
    threads.emplace_back([&, i] {
      auto r = cache->getOrCompute("hot", {0, {}, "statistics"}, [&]() -> Result<std::string> {
        computes++;
        // Hold the flight open until every thread has had a chance to join it.
        while (!release) std::this_thread::yield();
        return std::string("computed");
      });
      results[i] = r.isOk() ? r.value() : "error";
    });
  }
  // Waits (bounded) for the other 63 callers to be queued behind the leader.
  for (int spins = 0; spins < 2000; ++spins) {
    const auto regions = cache->stats()["regions"];
    if (regions.contains("statistics") &&
        regions["statistics"]["singleflight_joins"].get<int>() + regions["statistics"]["hits"].get<int>() >= 63) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  release = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(computes.load(), 1);
  for (const auto& r : results) EXPECT_EQ(r, "computed");
}

TEST_F(CacheServiceTest, A64ThreadStampedeOnAFailingComputeRunsItOnceAndEveryoneGetsItsError) {
  auto cache = make();
  std::atomic<int> computes{0};
  std::atomic<bool> release{false};
  std::vector<std::thread> threads;
  std::vector<std::string> errors(64);
  for (int i = 0; i < 64; ++i) {
    threads.emplace_back([&, i] {
      auto r = cache->getOrCompute("doomed", {0, {}, "statistics"}, [&]() -> Result<std::string> {
        computes++;
        while (!release) std::this_thread::yield();
        return Status(WNO_ERR_UNAVAILABLE, "database down");
      });
      errors[i] = r.isOk() ? "ok?" : r.status().message();
    });
  }
  for (int spins = 0; spins < 2000; ++spins) {
    const auto regions = cache->stats()["regions"];
    if (regions.contains("statistics") && regions["statistics"]["singleflight_joins"].get<int>() >= 63) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  release = true;
  for (auto& t : threads) t.join();
  // Callers that arrived after the flight ended start a new one; the 63
  // that joined it got the leader's error.
  const auto stats = cache->stats()["regions"]["statistics"];
  EXPECT_EQ(computes.load(), stats["computes"].get<int>());
  EXPECT_EQ(stats["singleflight_joins"].get<int>() + stats["computes"].get<int>(), 64);
  EXPECT_LE(computes.load(), 2);
  for (const auto& e : errors) EXPECT_EQ(e, "database down");
  EXPECT_TRUE(l1.entries.empty()) << "errors are not cached";
}

TEST(CacheConfig, RegionSharesGoToTheFirstLevelOnlyAndTheLevelsOwnConfigWins) {
  const auto cache = nlohmann::json::parse(R"({
    "levels": [{"backend": "memory", "config": {"max_bytes": 1048576, "regions": {"users": {"max_share": 0.5}}}},
               {"backend": "redis", "timeout_ms": 25, "config": {"url": "redis://127.0.0.1:6379/0"}}],
    "regions": {"statistics": {"max_share": 0.25}, "users": {"max_share": 0.1}, "battles": {"ttl_ms": 5000}}
  })");
  EXPECT_EQ(levelBackendConfig(cache, 0), nlohmann::json::parse(R"({"max_bytes": 1048576,
      "regions": {"users": {"max_share": 0.5}, "statistics": {"max_share": 0.25}}})"));
  EXPECT_EQ(levelBackendConfig(cache, 1), nlohmann::json::parse(R"({"url": "redis://127.0.0.1:6379/0"})"));
  std::string error;
  auto options = cacheOptionsFrom(cache, error);
  ASSERT_TRUE(options) << error;
  EXPECT_EQ(options->levelTimeoutsMs, (std::vector<int64_t>{0, 25}));
  EXPECT_DOUBLE_EQ(*options->regions.at("statistics").maxShare, 0.25);
  EXPECT_FALSE(options->regions.at("battles").maxShare);
  auto bad = cache;
  bad["regions"]["statistics"]["max_share"] = 1.5;
  EXPECT_FALSE(cacheOptionsFrom(bad, error));
  EXPECT_EQ(error, "/cache/regions/statistics/max_share: expected a number in (0, 1]");
  bad = cache;
  bad["levels"][1]["timeout_ms"] = 0;
  EXPECT_FALSE(cacheOptionsFrom(bad, error));
  EXPECT_THAT(error, ::testing::HasSubstr("/cache/levels/1/timeout_ms"));
}

TEST_F(CacheServiceTest, ComputeErrorReachesEveryWaiterAndIsNotCached) {
  auto cache = make();
  auto r = cache->getOrCompute("k", {}, []() -> Result<std::string> { return Status(WNO_ERR_UNAVAILABLE, "db down"); });
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().message(), "db down");
  auto thrown = cache->getOrCompute("k", {}, []() -> Result<std::string> { throw std::runtime_error("bug"); });
  EXPECT_THAT(thrown.status().message(), ::testing::HasSubstr("compute threw: bug"));
  EXPECT_TRUE(l1.entries.empty());
}

TEST_F(CacheServiceTest, FailSafeServesStaleWhenComputeFails) {
  CacheServiceOptions options;
  options.failSafeMs = 60000;
  auto cache = make(options);
  ASSERT_TRUE(cache->set("k", "old", {1, {}, ""}).isOk());
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_FALSE(cache->get("k").value());  // past its TTL: not a hit
  auto r = cache->getOrCompute("k", {}, []() -> Result<std::string> { return Status(WNO_ERR_UNAVAILABLE, "db down"); });
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(r.value(), "old");
  EXPECT_EQ(cache->stats()["regions"]["default"]["stale_served"], 1);
  // A successful compute replaces the stale value.
  auto fresh = cache->getOrCompute("k", {}, []() -> Result<std::string> { return std::string("new"); });
  EXPECT_EQ(fresh.value(), "new");
}

TEST_F(CacheServiceTest, FailSafeNeverServesAStaleCopyOfWhatTheSourceSaysIsGone) {
  CacheServiceOptions options;
  options.failSafeMs = 60000;
  auto cache = make(options);
  ASSERT_TRUE(cache->set("k", "deleted elsewhere", {1, {}, ""}).isOk());
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto r = cache->getOrCompute("k", {}, []() -> Result<std::string> { return Status(WNO_NOT_FOUND, "row 3 does not exist"); });
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().code(), WNO_NOT_FOUND);
  EXPECT_EQ(cache->stats()["regions"]["default"]["stale_served"], 0);
  // The stale copy is gone too: a source that is down now has nothing to fall back on.
  auto down = cache->getOrCompute("k", {}, []() -> Result<std::string> { return Status(WNO_ERR_UNAVAILABLE, "db down"); });
  EXPECT_EQ(down.status().code(), WNO_ERR_UNAVAILABLE);
}

// A read that fetched a row just before a write must not store its copy
// after the write's invalidation: it would be served until its TTL.
TEST_F(CacheServiceTest, AValueWhoseTagIsInvalidatedWhileComputingIsComputedAgainBeforeItIsStored) {
  auto cache = make();
  const CacheWrite write{0, {"contents", "contents:1"}, ""};
  int computes = 0;
  auto r = cache->getOrCompute("entity:contents:1", write, [&]() -> Result<std::string> {
    ++computes;
    // The first read sees the old row; a write lands and invalidates.
    if (computes == 1) cache->invalidateTag("contents:1");
    return std::string(computes == 1 ? "pending" : "processed");
  });
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(r.value(), "processed");
  EXPECT_EQ(computes, 2);
  EXPECT_EQ(cache->get("entity:contents:1").value(), std::optional<std::string>("processed"));
  EXPECT_EQ(cache->stats()["regions"]["default"]["computes_superseded"], 1);

  // Invalidations of other tags and keys leave a compute alone.
  computes = 0;
  auto other = cache->getOrCompute("entity:contents:2", {0, {"contents", "contents:2"}, ""}, [&]() -> Result<std::string> {
    ++computes;
    cache->invalidateTag("contents:3");
    cache->remove("entity:contents:4");
    return std::string("row 2");
  });
  EXPECT_EQ(other.value(), "row 2");
  EXPECT_EQ(computes, 1);
  EXPECT_EQ(cache->get("entity:contents:2").value(), std::optional<std::string>("row 2"));
}

TEST_F(CacheServiceTest, AKeyInvalidatedOnEveryComputeIsAnsweredButNeverStored) {
  auto cache = make({}, true, /*backplane=*/true);
  int computes = 0;
  auto r = cache->getOrCompute("hot", {0, {"t"}, ""}, [&]() -> Result<std::string> {
    ++computes;
    // Another host's write, arriving through the shared level's events.
    l2.emit(computes % 2 ? WNO_CACHE_EVENT_TAG : WNO_CACHE_EVENT_KEY, computes % 2 ? "t" : "hot");
    return "v" + std::to_string(computes);
  });
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(r.value(), "v3");
  EXPECT_EQ(computes, 3);
  EXPECT_TRUE(l1.entries.empty());
  EXPECT_TRUE(l2.entries.empty());
  EXPECT_EQ(cache->stats()["regions"]["default"]["computes_superseded"], 3);
}

TEST_F(CacheServiceTest, SetUnlessInvalidatedSinceSkipsAValueReadBeforeAnInvalidation) {
  auto cache = make();
  const CacheWrite write{0, {"users:7"}, ""};
  uint64_t mark = cache->invalidationMark("entity:users:7", write);
  EXPECT_TRUE(cache->setUnlessInvalidatedSince(mark, "entity:users:7", "v1", write));
  EXPECT_EQ(cache->get("entity:users:7").value(), std::optional<std::string>("v1"));

  for (auto invalidate : std::vector<std::function<void()>>{[&] { cache->invalidateTag("users:7"); },
                                                            [&] { cache->remove("entity:users:7"); },
                                                            [&] { cache->invalidateRegion("elsewhere"); }}) {
    mark = cache->invalidationMark("entity:users:7", write);
    invalidate();
    EXPECT_FALSE(cache->setUnlessInvalidatedSince(mark, "entity:users:7", "read before the write", write));
    EXPECT_FALSE(cache->get("entity:users:7").value());
  }
}

TEST_F(CacheServiceTest, WithoutFailSafeTheErrorIsReturned) {
  auto cache = make();
  cache->set("k", "old", {1, {}, ""});
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto r = cache->getOrCompute("k", {}, []() -> Result<std::string> { return Status(WNO_ERR_UNAVAILABLE, "db down"); });
  EXPECT_FALSE(r.isOk());
}

TEST_F(CacheServiceTest, L2DownDegradesToL1WithoutErrorsAndTheCircuitRecovers) {
  CacheServiceOptions options;
  options.breaker.failureThreshold = 3;
  options.breaker.openFor = std::chrono::milliseconds(20);
  auto cache = make(options);
  l2.failing = true;
  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(cache->set("k" + std::to_string(i), "v", {}).isOk());
    auto got = cache->get("k" + std::to_string(i));
    ASSERT_TRUE(got.isOk());
    EXPECT_EQ(*got.value(), "v");  // served by l1
  }
  EXPECT_EQ(cache->stats()["levels"][1]["circuit"], "open");
  const int callsWhileOpen = l2.calls.load();
  cache->get("k0");
  EXPECT_EQ(l2.calls.load(), callsWhileOpen);  // open circuit: l2 not even called

  l2.failing = false;
  std::this_thread::sleep_for(std::chrono::milliseconds(25));
  cache->set("after", "v", {});  // the half-open trial succeeds
  EXPECT_EQ(cache->stats()["levels"][1]["circuit"], "closed");
  EXPECT_EQ(l2.entries.count("after"), 1u);
}

TEST_F(CacheServiceTest, SharedLevelCallsRunUnderASoftDeadlineL1AndInvalidationsDoNot) {
  CacheServiceOptions options;
  options.levelTimeoutsMs = {0, 40};
  auto cache = make(options);
  const int64_t before = CallDeadline::nowNs();
  ASSERT_TRUE(cache->set("k", "v", {}).isOk());
  // The L2 set saw a deadline about 40 ms out; the L1 set (last) saw none.
  EXPECT_EQ(l1.deadlineSeenNs.load(), 0);
  EXPECT_GE(l2.deadlineSeenNs.load(), before + 40'000'000);
  EXPECT_LE(l2.deadlineSeenNs.load(), CallDeadline::nowNs() + 40'000'000);
  l1.entries.clear();
  l2.deadlineSeenNs = -1;
  ASSERT_TRUE(cache->get("k").value());
  EXPECT_GT(l2.deadlineSeenNs.load(), 0);
  cache->invalidateTag("t");
  EXPECT_EQ(l2.deadlineSeenNs.load(), 0) << "a tag may cover many entries: no soft deadline";
  EXPECT_EQ(CallDeadline::currentNs(), 0) << "the deadline ends with the call";
  EXPECT_EQ(cache->stats()["levels"][1]["timeout_ms"], 40);
  EXPECT_EQ(cache->stats()["levels"][0]["timeout_ms"], 0);
}

TEST_F(CacheServiceTest, ALevelThatOverrunsItsDeadlineOpensItsCircuitAndIsSkipped) {
  CacheServiceOptions options;
  options.levelTimeoutsMs = {0, 5};
  options.breaker.failureThreshold = 3;
  options.breaker.minimumCalls = 3;  // misses count once they are most of at least 3 calls
  options.breaker.openFor = std::chrono::milliseconds(60000);
  auto cache = make(options);
  ASSERT_TRUE(cache->set("warm", "v", {}).isOk());
  l1.entries.clear();
  // This backend ignores deadlines: each call takes 30 ms. Its late answers
  // are still used (they are here), but every overrun counts against it.
  l2.delayMs = 30;
  auto late = cache->get("warm");
  ASSERT_TRUE(late.isOk());
  EXPECT_EQ(*late.value(), "v");
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(cache->set("k" + std::to_string(i), "v", {}).isOk());
    EXPECT_EQ(*cache->get("k" + std::to_string(i)).value(), "v");  // from L1
  }
  auto stats = cache->stats();
  EXPECT_EQ(stats["levels"][1]["circuit"], "open");
  EXPECT_GE(stats["levels"][1]["timeouts"].get<int>(), 3);
  EXPECT_GE(stats["levels"][1]["skipped"].get<int>(), 1);
  const int calls = l2.calls.load();
  auto miss = cache->getOrCompute("new", {}, []() -> Result<std::string> { return std::string("computed"); });
  ASSERT_TRUE(miss.isOk());
  EXPECT_EQ(miss.value(), "computed");
  EXPECT_EQ(l2.calls.load(), calls) << "an open circuit is not waited on";
  EXPECT_THAT(services.metrics().serialize(), ::testing::HasSubstr("wno_cache_level_timeouts_total{level=\"l2\"}"));
}

TEST_F(CacheServiceTest, AFewDeadlineMissesNeverOpenTheCircuitMostlyMissesDoAndErrorsAtOnce) {
  CacheServiceOptions options;
  options.breaker.failureThreshold = 3;
  options.breaker.window = 20;
  options.breaker.minimumCalls = 10;
  options.breaker.openFor = std::chrono::milliseconds(60000);
  auto cache = make(options);
  // A saturated host: one L2 call in three misses its deadline, for long.
  for (int i = 0; i < 60; ++i) {
    l2.timingOut = i % 3 == 0;
    ASSERT_TRUE(cache->set("k" + std::to_string(i), "v", {}).isOk());
  }
  auto stats = cache->stats();
  EXPECT_EQ(stats["levels"][1]["timeouts"], 20);
  EXPECT_EQ(stats["levels"][1]["circuit"], "closed") << "late answers from a busy host are not a dead Redis";
  EXPECT_EQ(stats["levels"][1]["skipped"], 0);

  // A blackholed Redis: every call misses. Once misses are most of the
  // window, they count, and three in a row open the circuit.
  l2.timingOut = true;
  int calls = 0;
  while (cache->stats()["levels"][1]["circuit"] == "closed" && calls < 40) {
    ASSERT_TRUE(cache->set("dead" + std::to_string(calls++), "v", {}).isOk());
  }
  EXPECT_EQ(cache->stats()["levels"][1]["circuit"], "open");
  EXPECT_LE(calls, 20) << "open within one window of misses";
  EXPECT_GE(calls, 4) << "not on the first few misses";

  // Errors (a refused connection) open it without waiting for a window.
  FakeCacheState other;
  std::vector<CacheLevel> levels;
  levels.push_back({"l1", test::makeFakeBackend(l1, services)});
  levels.push_back({"l2b", test::makeFakeBackend(other, services)});
  CacheService second(std::move(levels), options, services);
  other.failing = true;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(second.set("e" + std::to_string(i), "v", {}).isOk());
  EXPECT_EQ(second.stats()["levels"][1]["circuit"], "open");
}

TEST_F(CacheServiceTest, PeekLocalReadsTheFirstLevelOnlyAndOnlyFreshValues) {
  auto cache = make();
  ASSERT_TRUE(cache->set("k", "value", {60000, {}, "r"}).isOk());
  std::string out = "previous contents";
  const int l2Calls = l2.calls.load();
  auto hit = cache->peekLocal("k", "r", out);
  EXPECT_TRUE(hit.found);
  EXPECT_EQ(out, "value");
  EXPECT_GT(hit.expiresAtMs, common::unixNowMs() + 50000);
  l1.entries.clear();  // only L2 has it now
  EXPECT_FALSE(cache->peekLocal("k", "r", out).found) << "never reaches past L1";
  EXPECT_EQ(l2.calls.load(), l2Calls);
  EXPECT_EQ(cache->stats()["regions"]["r"]["hits_by_level"]["l1"], 1);
  // An expired value (kept for fail-safe) is not a hit.
  ASSERT_TRUE(cache->set("old", "v", {1, {}, "r"}).isOk());
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_TRUE(eventually([&] { return !cache->peekLocal("old", "r", out).found; }));
}

TEST_F(CacheServiceTest, BackplaneEventsEvictL1) {
  auto cache = make({}, true, /*backplane=*/true);
  ASSERT_TRUE(l2.hasListener);
  cache->set("k", "v", {0, {"battles:7"}, "battles"});
  cache->set("other", "v", {0, {"users"}, ""});
  l2.emit(WNO_CACHE_EVENT_KEY, "k");
  EXPECT_EQ(l1.entries.count("k"), 0u);
  EXPECT_EQ(l2.entries.count("k"), 1u);  // the shared level is the other host's business
  cache->set("k", "v", {0, {"battles:7"}, "battles"});
  l2.emit(WNO_CACHE_EVENT_TAG, "battles:7");
  EXPECT_EQ(l1.entries.count("k"), 0u);
  l2.emit(WNO_CACHE_EVENT_CLEAR, "");
  EXPECT_TRUE(l1.entries.empty());
  cache.reset();
  EXPECT_FALSE(l2.hasListener);  // unregistered before the service goes away
}

TEST_F(CacheServiceTest, StatsAndMetrics) {
  auto cache = make();
  cache->set("k", "v", {0, {}, "battles"});
  cache->get("k", "battles");
  cache->get("missing", "battles");
  auto stats = cache->stats();
  EXPECT_EQ(stats["regions"]["battles"]["hits"], 1);
  EXPECT_EQ(stats["regions"]["battles"]["misses"], 1);
  EXPECT_EQ(stats["levels"][0]["stats"]["entries"], 1);
  const std::string metrics = services.metrics().serialize();
  EXPECT_THAT(metrics, ::testing::HasSubstr("wno_cache_hits_total{level=\"l1\",region=\"battles\"} 1"));
  EXPECT_THAT(metrics, ::testing::HasSubstr("wno_cache_misses_total{region=\"battles\"} 1"));
}

TEST_F(CacheServiceTest, EveryCacheMetricIsExported) {
  CacheServiceOptions options;
  options.failSafeMs = 60000;
  auto cache = make(options);
  cache->set("k", "v", {0, {}, "battles"});
  l1.entries.clear();
  cache->get("k", "battles");  // an L2 hit
  cache->set("old", "v", {1, {}, "battles"});
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  cache->getOrCompute("old", {0, {}, "battles"}, []() -> Result<std::string> { return Status(WNO_ERR_UNAVAILABLE, "x"); });
  l2.failing = true;
  cache->get("missing", "battles");
  const std::string m = services.metrics().serialize();
  for (const char* series : {"wno_cache_hits_total{level=\"l2\",region=\"battles\"} 1",
                             "wno_cache_misses_total{region=\"battles\"}",
                             "wno_cache_stale_served_total{region=\"battles\"} 1",
                             "wno_cache_computes_total{region=\"battles\"} 1",
                             "wno_cache_compute_errors_total{region=\"battles\"} 1",
                             "wno_cache_computes_superseded_total{region=\"battles\"} 0",
                             "wno_cache_singleflight_joins_total{region=\"battles\"} 0",
                             "wno_cache_ttl_multiplier{region=\"battles\"} 1",
                             "wno_cache_level_errors_total{level=\"l2\"} 1",
                             "wno_cache_level_skipped_total{level=\"l2\"}",
                             "wno_cache_level_timeouts_total{level=\"l2\"} 0",
                             "wno_cache_breaker_state{level=\"l2\"} 0",
                             "wno_cache_operation_duration_seconds_bucket{level=\"l2\",op=\"get\",le=\"1e-06\"}",
                             "wno_cache_operation_duration_seconds_count{level=\"l2\",op=\"set\"}",
                             "wno_cache_entries{level=\"l1\"}", "wno_cache_bytes{level=\"l1\"}",
                             "wno_cache_evictions{level=\"l1\"}"}) {
    EXPECT_THAT(m, ::testing::HasSubstr(series));
  }
  // /admin/cache/stats carries the same figures.
  const auto stats = cache->stats();
  EXPECT_EQ(stats["regions"]["battles"]["hits_by_level"]["l2"], 1);
  EXPECT_EQ(stats["regions"]["battles"]["stale_served"], 1);
  EXPECT_EQ(stats["levels"][1]["errors"], 1);
}

// The host API table's cache functions, as a plugin calls them, over the
// real service: the C side of "through C++ and the ABI".
TEST_F(CacheServiceTest, PluginsReachTheServiceThroughTheHostApiTable) {
  auto cache = make();
  services.setCache(cache.get());
  const wno_host_api* api = hostApiTable();
  wno_host_ctx ctx;
  ctx.owner = "test plugin";
  ctx.services = &services;
  auto str = [](const std::string& s) { return wno_str{s.data(), s.size()}; };
  std::string out;
  wno_sink sink = wno::sdk::sinkInto(out);
  const std::string t1 = "users", t2 = "users:9", region = "users";
  wno_str tags[] = {str(t1), str(t2)};
  wno_cache_write_options options{sizeof(wno_cache_write_options), 60000, tags, 2, str(region)};
  const std::string value = "payload";
  ASSERT_EQ(api->cache_set(&ctx, str("u9"), {reinterpret_cast<const uint8_t*>(value.data()), value.size()}, &options), WNO_OK);
  ASSERT_EQ(api->cache_get(&ctx, str("u9"), &sink), WNO_OK);
  EXPECT_EQ(out, "payload");
  EXPECT_EQ(l2.entries["u9"].tags, (std::set<std::string>{"users", "users:9"}));
  EXPECT_EQ(l2.entries["u9"].region, "users");

  struct Compute {
    int runs = 0;
  } compute;
  auto fn = [](void* c, const wno_sink* o) -> wno_status {
    static_cast<Compute*>(c)->runs++;
    const std::string v = "computed";
    return o->write(o->ctx, v.data(), v.size());
  };
  ASSERT_EQ(api->cache_get_or_compute(&ctx, str("c1"), &options, fn, &compute, &sink), WNO_OK);
  ASSERT_EQ(api->cache_get_or_compute(&ctx, str("c1"), &options, fn, &compute, &sink), WNO_OK);
  EXPECT_EQ(out, "computed");
  EXPECT_EQ(compute.runs, 1);
  auto failing = [](void*, const wno_sink*) -> wno_status {
    const std::string why = "upstream said no";
    hostApiTable()->set_error(nullptr, wno_str{why.data(), why.size()});
    return WNO_ERR_UNAVAILABLE;
  };
  EXPECT_EQ(api->cache_get_or_compute(&ctx, str("c2"), &options, failing, nullptr, &sink), WNO_ERR_UNAVAILABLE);
  EXPECT_EQ(takePluginError(""), "upstream said no");

  uint64_t count = 0;
  ASSERT_EQ(api->cache_invalidate_tag(&ctx, str("users"), &count), WNO_OK);
  EXPECT_EQ(count, 2u);
  EXPECT_EQ(api->cache_get(&ctx, str("u9"), &sink), WNO_NOT_FOUND);
  EXPECT_EQ(api->cache_delete(&ctx, str("u9")), WNO_NOT_FOUND);
  ASSERT_EQ(api->cache_set(&ctx, str("r1"), {reinterpret_cast<const uint8_t*>(value.data()), value.size()}, &options), WNO_OK);
  ASSERT_EQ(api->cache_invalidate_region(&ctx, str("users")), WNO_OK);
  EXPECT_EQ(api->cache_get(&ctx, str("r1"), &sink), WNO_NOT_FOUND);
  services.setCache(nullptr);
  EXPECT_EQ(api->cache_get(&ctx, str("r1"), &sink), WNO_ERR_UNAVAILABLE);
}

}  // namespace
}  // namespace wno::host

namespace wno::host {
namespace {

// A caller that joins a computation which does not land within
// single_flight.join_timeout_ms gets a timeout (or, inside the fail-safe
// window, the stale value) instead of waiting on it indefinitely.
TEST_F(CacheServiceTest, AJoinerGivesUpAfterTheJoinTimeoutAndServesStaleWhenItHasIt) {
  CacheServiceOptions options;
  options.joinTimeoutMs = 30;
  options.failSafeMs = 60000;
  auto cache = make(options);
  ASSERT_TRUE(cache->set("stale", "old", {1, {}, ""}).isOk());
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::atomic<bool> computing{false}, release{false};
  auto stuck = [&]() -> Result<std::string> {
    computing = true;
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return std::string("new");
  };
  std::thread leaderOfFresh([&] { cache->getOrCompute("fresh", {}, stuck); });
  ASSERT_TRUE(eventually([&] { return computing.load(); }));
  const auto noStale = cache->getOrCompute("fresh", {}, [] { return Result<std::string>(std::string("unused")); });
  EXPECT_EQ(noStale.status().code(), WNO_ERR_TIMEOUT) << noStale.status().message();
  release = true;
  leaderOfFresh.join();

  computing = false;
  release = false;
  std::thread leaderOfStale([&] { cache->getOrCompute("stale", {}, stuck); });
  ASSERT_TRUE(eventually([&] { return computing.load(); }));
  const auto served = cache->getOrCompute("stale", {}, [] { return Result<std::string>(std::string("unused")); });
  ASSERT_TRUE(served.isOk()) << served.status().message();
  EXPECT_EQ(served.value(), "old");
  release = true;
  leaderOfStale.join();
  EXPECT_EQ(cache->get("stale").value().value_or(""), "new");
  EXPECT_GE(cache->stats()["regions"]["default"]["singleflight_joins"].get<int>(), 2);
}

}  // namespace
}  // namespace wno::host
