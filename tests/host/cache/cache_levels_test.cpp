// The host cache service over the real memory (L1) and redis (L2) plugins:
// an L2 hit fills L1; two hosts' L1s stay coherent through the backplane;
// Redis killed under load costs callers nothing and recovery is automatic;
// distributed single-flight computes a cold key once across hosts.
#include "cache/cache_service.h"
#include "plugins/plugin_manager.h"
#include "redis_server.h"
#include "services/host_api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <iostream>
#include <thread>

namespace wno::host {
namespace {

using test::eventually;
using test::RedisServer;

// One host's cache: its own services, plugins and L1, sharing Redis.
struct HostCache {
  // redisTimeoutMs: the plugin's own bound; softTimeoutMs: the service's
  // per-call deadline for L2 (0: the default).
  HostCache(const RedisServer& redis, BreakerOptions breaker = {}, int redisTimeoutMs = 100, int64_t softTimeoutMs = 0,
            DistributedFlightOptions distributed = {}) {
    PluginRefusal refusal;
    for (const char* name : {"memory_cache", "redis"}) {
      PluginSpec spec;
      spec.name = name;
      if (!manager.load(spec, {WNO_TEST_PLUGIN_DIR}, refusal).isOk()) throw std::runtime_error(refusal.line());
    }
    std::vector<CacheLevel> levels;
    levels.push_back({"l1", CacheBackendInstance::create(manager.find(WNO_KIND_CACHE, "memory"), hostApiTable(),
                                                         &services, "l1", {{"max_bytes", 1 << 20}})
                                .value()});
    // Not moved from a temporary Result: keep the instance explicitly.
    auto l2 = CacheBackendInstance::create(manager.find(WNO_KIND_CACHE, "redis"), hostApiTable(), &services, "l2",
                                           {{"url", redis.url()}, {"timeout_ms", redisTimeoutMs}});
    if (!l2.isOk()) throw std::runtime_error(l2.status().message());
    levels.push_back({"l2", std::move(l2).value()});
    CacheServiceOptions options;
    options.breaker = breaker;
    options.levelTimeoutsMs = {0, softTimeoutMs};
    options.distributed = distributed;
    cache = std::make_unique<CacheService>(std::move(levels), options, services);
  }
  std::string l1Entries() { return cache->stats()["levels"][0]["stats"]["entries"].dump(); }
  bool backplaneUp() { return cache->stats()["levels"][1]["stats"]["backplane_subscribed"].get<bool>(); }

  HostServices services;
  PluginManager manager{hostApiTable(), &services};
  std::unique_ptr<CacheService> cache;
};

TEST(CacheLevels, L2HitFillsL1AndTheBackplaneKeepsHostsCoherent) {
  RedisServer redis;
  HostCache a(redis), b(redis);
  ASSERT_TRUE(eventually([&] { return a.backplaneUp() && b.backplaneUp(); }));
  ASSERT_TRUE(a.cache->set("battle:1", "v1", {0, {"battles", "battles:1"}, "battles"}).isOk());
  // B has never seen it: L2 hit, then it is in B's L1 too.
  EXPECT_EQ(*b.cache->get("battle:1", "battles").value(), "v1");
  EXPECT_EQ(b.l1Entries(), "1");
  // A writes a new value: B's L1 copy is evicted by the backplane, and B reads the new one.
  ASSERT_TRUE(a.cache->set("battle:1", "v2", {0, {"battles", "battles:1"}, "battles"}).isOk());
  EXPECT_TRUE(eventually([&] { return b.l1Entries() == "0"; }));
  EXPECT_EQ(*b.cache->get("battle:1", "battles").value(), "v2");
  // A tag invalidation on A removes B's L1 copy as well.
  ASSERT_TRUE(a.cache->invalidateTag("battles:1").isOk());
  EXPECT_TRUE(eventually([&] { return b.l1Entries() == "0"; }));
  EXPECT_FALSE(b.cache->get("battle:1", "battles").value());
  // Region invalidation reaches both levels.
  ASSERT_TRUE(a.cache->set("stat:1", "s", {0, {}, "statistics"}).isOk());
  ASSERT_TRUE(b.cache->get("stat:1", "statistics").value());
  ASSERT_TRUE(a.cache->invalidateRegion("statistics").isOk());
  EXPECT_FALSE(a.cache->get("stat:1", "statistics").value());
  EXPECT_TRUE(eventually([&] { return !b.cache->get("stat:1", "statistics").value(); }));
  // Level gauges mirror the backends' own counters.
  a.cache->refreshLevelGauges();
  EXPECT_THAT(a.services.metrics().serialize(), ::testing::HasSubstr("wno_cache_entries{level=\"l1\"}"));
}

TEST(CacheLevels, RedisDownCostsCallersNothingAndRecovers) {
  RedisServer redis;
  BreakerOptions breaker;
  breaker.failureThreshold = 3;
  breaker.openFor = std::chrono::milliseconds(100);
  HostCache host(redis, breaker);
  ASSERT_TRUE(host.cache->set("k", "v", {}).isOk());
  redis.kill();
  for (int i = 0; i < 50; ++i) {
    const std::string key = "k" + std::to_string(i);
    ASSERT_TRUE(host.cache->set(key, "v", {}).isOk()) << "writes degrade to L1";
    auto got = host.cache->get(key);
    ASSERT_TRUE(got.isOk());
    EXPECT_EQ(*got.value(), "v") << "reads are served by L1";
  }
  EXPECT_EQ(host.cache->stats()["levels"][1]["circuit"], "open");
  auto computed = host.cache->getOrCompute("fresh", {}, []() -> Result<std::string> { return std::string("c"); });
  ASSERT_TRUE(computed.isOk());
  EXPECT_EQ(computed.value(), "c");

  redis.start();
  // Half-open trials succeed once Redis answers; the circuit closes by itself.
  EXPECT_TRUE(eventually([&] {
    host.cache->set("probe", "v", {});
    return host.cache->stats()["levels"][1]["circuit"] == "closed";
  }));
  ASSERT_TRUE(host.cache->set("after", "v", {}).isOk());
  HostCache other(redis);  // another host reads it from Redis
  EXPECT_EQ(*other.cache->get("after").value(), "v");
}

TEST(CacheLevels, RedisKilledUnderConcurrentLoadNoCallerSeesAnError) {
  RedisServer redis;
  BreakerOptions breaker;
  breaker.failureThreshold = 3;
  breaker.openFor = std::chrono::milliseconds(100);
  HostCache host(redis, breaker);
  std::atomic<bool> stop{false};
  std::atomic<int> calls{0}, errors{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < 4; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; !stop; ++i) {
        const std::string key = "w" + std::to_string(t) + ":" + std::to_string(i % 50);
        if (!host.cache->set(key, "v", {0, {"load"}, "battles"}).isOk()) errors++;
        // A miss is allowed (the backplane's CLEAR after Redis comes back
        // drops L1 copies); an error status is not.
        if (!host.cache->get(key, "battles").isOk()) errors++;
        auto computed = host.cache->getOrCompute("c" + std::to_string(i % 20), {0, {}, "statistics"},
                                                 []() -> Result<std::string> { return std::string("c"); });
        if (!computed.isOk()) errors++;
        calls += 3;
      }
    });
  }
  auto waitForCalls = [&](int more) {
    const int target = calls.load() + more;
    return eventually([&] { return calls.load() >= target; });
  };
  ASSERT_TRUE(waitForCalls(300));
  redis.kill();  // mid-flight: some calls are on the wire right now
  ASSERT_TRUE(waitForCalls(300));
  EXPECT_TRUE(eventually([&] { return host.cache->stats()["levels"][1]["circuit"] != "closed"; }));
  redis.start();
  EXPECT_TRUE(eventually([&] { return host.cache->stats()["levels"][1]["circuit"] == "closed"; }));
  ASSERT_TRUE(waitForCalls(300));
  stop = true;
  for (auto& w : workers) w.join();
  EXPECT_EQ(errors.load(), 0) << "of " << calls.load() << " calls";
  // Back to normal: writes reach Redis again, so another host sees them.
  ASSERT_TRUE(host.cache->set("after-restart", "v", {}).isOk());
  HostCache other(redis);
  EXPECT_EQ(*other.cache->get("after-restart").value(), "v");
}

TEST(CacheLevels, AHungRedisCostsEachCallAtMostTheSoftTimeoutThenItsCircuitOpens) {
  RedisServer redis;
  BreakerOptions breaker;
  breaker.failureThreshold = 3;
  breaker.openFor = std::chrono::milliseconds(200);
  // The plugin would wait 10 s per call; the service's 30 ms deadline must win.
  HostCache host(redis, breaker, /*redisTimeoutMs=*/10000, /*softTimeoutMs=*/30);
  ASSERT_TRUE(host.cache->set("in-l1", "v", {}).isOk());
  redis.pause();
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 10; ++i) {
    const std::string key = "k" + std::to_string(i);
    ASSERT_TRUE(host.cache->set(key, "v", {}).isOk()) << "writes degrade to L1";
    EXPECT_EQ(*host.cache->get(key).value(), "v");
    auto missing = host.cache->get("never-written-" + std::to_string(i));
    ASSERT_TRUE(missing.isOk()) << "an L2 that does not answer is a miss, not an error";
    EXPECT_FALSE(missing.value());
    auto computed = host.cache->getOrCompute("fresh-" + std::to_string(i), {},
                                             []() -> Result<std::string> { return std::string("c"); });
    ASSERT_TRUE(computed.isOk());
    EXPECT_EQ(computed.value(), "c");
  }
  // 40 calls that would each have waited 10 s on the plugin's own timeout.
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  auto stats = host.cache->stats();
  EXPECT_EQ(stats["levels"][1]["circuit"], "open");
  EXPECT_GE(stats["levels"][1]["timeouts"].get<int>(), 3);
  EXPECT_GE(stats["levels"][1]["skipped"].get<int>(), 1);

  redis.resume();
  EXPECT_TRUE(eventually([&] {
    host.cache->set("probe", "v", {});
    return host.cache->stats()["levels"][1]["circuit"] == "closed";
  }));
  ASSERT_TRUE(host.cache->set("after", "v", {}).isOk());
  HostCache other(redis);
  EXPECT_EQ(*other.cache->get("after").value(), "v");
}

// The redis backend's leases, as distributed single-flight relies on them:
// one holder at a time, released only with the holder's token, lapsing on
// their own.
TEST(CacheLevels, RedisLeasesHaveOneHolderAndOnlyItsTokenReleasesThem) {
  RedisServer redis;
  HostCache host(redis);
  auto l2 = CacheBackendInstance::create(host.manager.find(WNO_KIND_CACHE, "redis"), hostApiTable(), &host.services,
                                         "lease", {{"url", redis.url()}, {"timeout_ms", 2000}});
  ASSERT_TRUE(l2.isOk()) << l2.status().message();
  CacheBackendInstance& backend = *l2.value();
  ASSERT_NE(backend.vtable().on_try_lock, nullptr);
  ASSERT_NE(backend.vtable().on_unlock, nullptr);
  auto tryLock = [&](const std::string& token, int64_t leaseMs) {
    int32_t acquired = -1;
    const std::string name = "sf:k";
    EXPECT_TRUE(backend.call("on_try_lock", backend.vtable().on_try_lock, wno_str{name.data(), name.size()},
                             wno_str{token.data(), token.size()}, leaseMs, &acquired)
                    .isOk());
    return acquired;
  };
  auto unlock = [&](const std::string& token) {
    const std::string name = "sf:k";
    return backend.call("on_unlock", backend.vtable().on_unlock, wno_str{name.data(), name.size()},
                        wno_str{token.data(), token.size()})
        .code();
  };
  EXPECT_EQ(tryLock("first", 60000), 1);
  EXPECT_EQ(tryLock("second", 60000), 0);
  EXPECT_EQ(unlock("second"), WNO_NOT_FOUND) << "only the holder's token releases the lease";
  EXPECT_EQ(tryLock("second", 60000), 0);
  EXPECT_EQ(unlock("first"), WNO_OK);
  EXPECT_EQ(tryLock("second", 50), 1);
  EXPECT_TRUE(eventually([&] { return tryLock("third", 60000) == 1; })) << "a lease lapses after lease_ms";
  EXPECT_EQ(unlock("second"), WNO_NOT_FOUND) << "a lapsed holder cannot release its successor's lease";
}

// Three hosts sharing Redis, 16 callers each, all released at once on each
// of five cold keys. Local single-flight alone computes a key once per host;
// with distributed single-flight it is computed once in all, and the other
// hosts read the value from Redis.
struct ColdKeyRace {
  int computes = 0;
  int distributedJoins = 0;
  int errors = 0;
};

ColdKeyRace raceForColdKeys(const RedisServer& redis, bool distributed, const std::string& prefix) {
  DistributedFlightOptions flight;
  flight.enabled = distributed;
  flight.pollMs = 5;
  // Generous Redis bounds: a lease call that times out makes its host
  // compute without a lease (correct, but not what this test counts).
  std::vector<std::unique_ptr<HostCache>> hosts;
  for (int h = 0; h < 3; ++h) hosts.push_back(std::make_unique<HostCache>(redis, BreakerOptions{}, 5000, 5000, flight));
  std::atomic<int> computes{0}, errors{0};
  constexpr int kKeys = 5;
  for (int k = 0; k < kKeys; ++k) {
    const std::string key = prefix + std::to_string(k);
    std::atomic<bool> go{false};
    std::vector<std::thread> callers;
    for (auto& host : hosts) {
      for (int t = 0; t < 16; ++t) {
        callers.emplace_back([&, cache = host->cache.get()] {
          while (!go.load()) std::this_thread::yield();
          auto value = cache->getOrCompute(key, {0, {}, "statistics"}, [&]() -> Result<std::string> {
            ++computes;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            return "value of " + key;
          });
          if (!value.isOk() || value.value() != "value of " + key) ++errors;
        });
      }
    }
    go = true;
    for (auto& t : callers) t.join();
  }
  ColdKeyRace race{computes.load(), 0, errors.load()};
  for (auto& host : hosts) {
    race.distributedJoins += host->cache->stats()["regions"]["statistics"]["distributed_joins"].get<int>();
  }
  return race;
}

TEST(CacheLevels, DistributedSingleFlightComputesAColdKeyOnceAcrossHosts) {
  RedisServer redis;
  const ColdKeyRace local = raceForColdKeys(redis, false, "local:");
  const ColdKeyRace shared = raceForColdKeys(redis, true, "shared:");
  EXPECT_EQ(local.errors, 0);
  EXPECT_EQ(shared.errors, 0);
  EXPECT_EQ(shared.computes, 5) << "one computation per cold key across three hosts";
  EXPECT_EQ(shared.distributedJoins, 10) << "the other two hosts' leaders read each key from Redis";
  EXPECT_EQ(local.distributedJoins, 0);
  EXPECT_GE(local.computes, 5);
  std::cout << "computes for 5 cold keys, 3 hosts x 16 callers: " << local.computes << " with local single-flight, "
            << shared.computes << " with distributed single-flight\n";
  ::testing::Test::RecordProperty("computes_local", local.computes);
  ::testing::Test::RecordProperty("computes_distributed", shared.computes);
}

}  // namespace
}  // namespace wno::host
