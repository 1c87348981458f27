// L2 reads through the host cache service as production runs them: L1
// (memory) in front of L2 (wno_redis.so over one throwaway redis-server on
// loopback), 100,000 keys cycled so L1 (1 MiB) almost always misses and the
// read goes to Redis, with the soft deadline, breaker, envelope and the L1
// fill it triggers. Next to it, a raw hiredis GET of the same keys and bytes
// on one connection, same run. Plus invalidateByTag over 100,000 keys held
// in both levels.
#include "cache/cache_service.h"
#include "core/logger.h"
#include "plugins/plugin_manager.h"
#include "redis_server.h"
#include "services/host_api.h"

#include <benchmark/benchmark.h>
#include <hiredis/hiredis.h>

namespace {

constexpr int kKeys = 100000;
const std::string kValue(256, 'v');

std::string key(int i) { return "battle:" + std::to_string(i); }

wno::test::RedisServer& redis() {
  static wno::test::RedisServer server;
  return server;
}

struct ServiceFixture {
  explicit ServiceFixture(size_t l1Bytes) {
    wno::host::Logger::instance().configure(WNO_LOG_ERROR, wno::host::LogFormat::Json);
    for (const char* name : {"memory_cache", "redis"}) {
      wno::host::PluginSpec spec;
      spec.name = name;
      wno::host::PluginRefusal refusal;
      if (!manager.load(spec, {WNO_BENCH_PLUGIN_DIR}, refusal).isOk()) throw std::runtime_error(refusal.line());
    }
    std::vector<wno::host::CacheLevel> levels;
    auto l1 = wno::host::CacheBackendInstance::create(manager.find(WNO_KIND_CACHE, "memory"), wno::host::hostApiTable(),
                                                      &services, "l1", {{"max_bytes", l1Bytes}, {"shards", 4}});
    levels.push_back({"l1", std::move(l1).value()});
    auto l2 = wno::host::CacheBackendInstance::create(manager.find(WNO_KIND_CACHE, "redis"), wno::host::hostApiTable(),
                                                      &services, "l2",
                                                      {{"url", redis().url()}, {"backplane", false}, {"pool_size", 4}});
    levels.push_back({"l2", std::move(l2).value()});
    wno::host::CacheServiceOptions options;
    options.defaultTtlMs = 3600000;
    cache = std::make_unique<wno::host::CacheService>(std::move(levels), options, services);
  }
  wno::host::HostServices services;
  wno::host::PluginManager manager{wno::host::hostApiTable(), &services};
  std::unique_ptr<wno::host::CacheService> cache;
};

ServiceFixture& service() {
  static ServiceFixture f(1 << 20);
  static const bool filled = [] {
    for (int i = 0; i < kKeys; ++i) f.cache->set(key(i), kValue, {0, {"battles", "battles:" + std::to_string(i)}, "battles"});
    return true;
  }();
  (void)filled;
  return f;
}

void BM_RawHiredisGet(benchmark::State& state) {
  redisContext* c = redisConnect("127.0.0.1", redis().port());
  static const bool filled = [c] {
    // Pipelined: 100,000 SETs in a few round trips.
    for (int i = 0; i < kKeys; ++i) {
      redisAppendCommand(c, "SET raw:%s %b", key(i).c_str(), kValue.data(), kValue.size());
    }
    for (int i = 0; i < kKeys; ++i) {
      void* reply = nullptr;
      redisGetReply(c, &reply);
      freeReplyObject(reply);
    }
    return true;
  }();
  (void)filled;
  std::vector<std::string> keys;
  for (int i = 0; i < kKeys; ++i) keys.push_back("raw:" + key(i));
  size_t i = 0;
  for (auto _ : state) {
    const std::string& k = keys[i++ % kKeys];
    auto* reply = static_cast<redisReply*>(redisCommand(c, "GET %b", k.data(), k.size()));
    benchmark::DoNotOptimize(reply->str);
    freeReplyObject(reply);
  }
  redisFree(c);
}
BENCHMARK(BM_RawHiredisGet)->UseRealTime();

void BM_CacheServiceL2Get(benchmark::State& state) {
  auto& f = service();
  std::vector<std::string> keys;
  for (int i = 0; i < kKeys; ++i) keys.push_back(key(i));
  const auto before = f.cache->stats()["regions"]["battles"]["hits_by_level"];
  size_t i = 0;
  for (auto _ : state) {
    auto r = f.cache->get(keys[i++ % kKeys], "battles");
    benchmark::DoNotOptimize(r);
  }
  const auto after = f.cache->stats()["regions"]["battles"]["hits_by_level"];
  const double l1 = after["l1"].get<double>() - before["l1"].get<double>();
  const double l2 = after["l2"].get<double>() - before["l2"].get<double>();
  state.counters["l2_share"] = l1 + l2 > 0 ? l2 / (l1 + l2) : 0;
}
BENCHMARK(BM_CacheServiceL2Get)->UseRealTime();

// invalidateByTag over 100,000 entries present in L1 (64 MiB) and in Redis.
void BM_InvalidateTag100kL1L2(benchmark::State& state) {
  static ServiceFixture f(64u << 20);
  for (auto _ : state) {
    state.PauseTiming();
    for (int i = 0; i < kKeys; ++i) f.cache->set("t" + std::to_string(i), "v", {0, {"hot"}, ""});
    state.ResumeTiming();
    auto removed = f.cache->invalidateTag("hot");
    if (!removed.isOk() || removed.value() != static_cast<uint64_t>(kKeys)) state.SkipWithError("not every entry was invalidated");
  }
}
BENCHMARK(BM_InvalidateTag100kL1L2)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
