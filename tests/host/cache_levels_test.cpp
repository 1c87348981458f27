// The host cache service over the real memory (L1) and redis (L2) plugins:
// an L2 hit fills L1; two hosts' L1s stay coherent through the backplane;
// Redis killed under load costs callers nothing and recovery is automatic.
#include "cache/cache_service.h"
#include "plugins/plugin_manager.h"
#include "redis_server.h"
#include "services/host_api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace wno::host {
namespace {

using test::eventually;
using test::RedisServer;

// One host's cache: its own services, plugins and L1, sharing Redis.
struct HostCache {
  HostCache(const RedisServer& redis, BreakerOptions breaker = {}) {
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
                                           {{"url", redis.url()}, {"timeout_ms", 100}});
    if (!l2.isOk()) throw std::runtime_error(l2.status().message());
    levels.push_back({"l2", std::move(l2).value()});
    CacheServiceOptions options;
    options.breaker = breaker;
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

}  // namespace
}  // namespace wno::host
