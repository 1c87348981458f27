// L2 get through the host cache service (envelope, metrics, breaker, C ABI
// into wno_redis.so, one pipelined round trip) next to a raw hiredis GET of
// the same bytes, against one throwaway redis-server on loopback.
#include "cache/cache_service.h"
#include "core/logger.h"
#include "plugins/plugin_manager.h"
#include "redis_server.h"
#include "services/host_api.h"

#include <benchmark/benchmark.h>
#include <hiredis/hiredis.h>

namespace {

const std::string kValue(256, 'v');

wno::test::RedisServer& redis() {
  static wno::test::RedisServer server;
  return server;
}

struct ServiceFixture {
  ServiceFixture() {
    wno::host::Logger::instance().configure(WNO_LOG_ERROR, wno::host::LogFormat::Json);
    wno::host::PluginSpec spec;
    spec.name = "redis";
    wno::host::PluginRefusal refusal;
    if (!manager.load(spec, {WNO_BENCH_PLUGIN_DIR}, refusal).isOk()) throw std::runtime_error(refusal.line());
    auto l2 = wno::host::CacheBackendInstance::create(manager.find(WNO_KIND_CACHE, "redis"), wno::host::hostApiTable(),
                                                      &services, "l2",
                                                      {{"url", redis().url()}, {"backplane", false}});
    std::vector<wno::host::CacheLevel> levels;
    levels.push_back({"l2", std::move(l2).value()});
    wno::host::CacheServiceOptions options;
    options.defaultTtlMs = 3600000;
    cache = std::make_unique<wno::host::CacheService>(std::move(levels), options, services);
    cache->set("battle:1", kValue, {0, {"battles"}, "battles"});
  }
  wno::host::HostServices services;
  wno::host::PluginManager manager{wno::host::hostApiTable(), &services};
  std::unique_ptr<wno::host::CacheService> cache;
};

void BM_RawHiredisGet(benchmark::State& state) {
  redisContext* c = redisConnect("127.0.0.1", redis().port());
  redisReply* set = static_cast<redisReply*>(redisCommand(c, "SET raw:1 %b", kValue.data(), kValue.size()));
  freeReplyObject(set);
  for (auto _ : state) {
    auto* reply = static_cast<redisReply*>(redisCommand(c, "GET raw:1"));
    benchmark::DoNotOptimize(reply->str);
    freeReplyObject(reply);
  }
  redisFree(c);
}
BENCHMARK(BM_RawHiredisGet)->UseRealTime();

void BM_CacheServiceL2Get(benchmark::State& state) {
  static ServiceFixture f;
  for (auto _ : state) {
    auto r = f.cache->get("battle:1", "battles");
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_CacheServiceL2Get)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
