// L1 hit cost at 1, 2 and 4 threads: the bare std::unordered_map under one
// mutex (the baseline), the memory store, and the full host cache service
// (envelope, metrics, C ABI call into wno_memory_cache.so). Plus set cost
// and invalidateTag over 100,000 tagged keys, in the store and through the
// service.
#include "cache/cache_service.h"
#include "core/logger.h"
#include "memory_store.h"
#include "plugins/plugin_manager.h"
#include "services/host_api.h"

#include <benchmark/benchmark.h>

#include <mutex>
#include <unordered_map>

namespace {

constexpr int kKeys = 10000;
const std::string kValue(256, 'v');

std::string key(int i) { return "battle:" + std::to_string(i); }

// ---- baseline ----
std::mutex g_mapMutex;
std::unordered_map<std::string, std::string> g_map;

void BM_MutexMapHit(benchmark::State& state) {
  if (state.thread_index() == 0) {
    std::lock_guard lock(g_mapMutex);
    for (int i = 0; i < kKeys; ++i) g_map[key(i)] = kValue;
  }
  std::vector<std::string> keys;
  for (int i = 0; i < kKeys; ++i) keys.push_back(key(i));
  size_t i = static_cast<size_t>(state.thread_index()) * 7919;
  for (auto _ : state) {
    std::string out;
    {
      std::lock_guard lock(g_mapMutex);
      auto it = g_map.find(keys[i++ % kKeys]);
      if (it != g_map.end()) out = it->second;
    }
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_MutexMapHit)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();

// ---- the memory store ----
wno::memory_cache::MemoryStore& store() {
  static wno::memory_cache::MemoryStore s({64u << 20, 16, 0.01, 0.8, nullptr, {}});
  return s;
}

void BM_MemoryStoreHit(benchmark::State& state) {
  if (state.thread_index() == 0) {
    for (int i = 0; i < kKeys; ++i) store().set(key(i), kValue, 0, {}, "");
  }
  std::vector<std::string> keys;
  for (int i = 0; i < kKeys; ++i) keys.push_back(key(i));
  size_t i = static_cast<size_t>(state.thread_index()) * 7919;
  for (auto _ : state) {
    std::string out;
    store().get(keys[i++ % kKeys], [&](std::string_view v, int64_t) { out.assign(v); });
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_MemoryStoreHit)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();

// ---- the host cache service over the real plugin ----
struct ServiceFixture {
  ServiceFixture() {
    wno::host::Logger::instance().configure(WNO_LOG_ERROR, wno::host::LogFormat::Json);
    wno::host::PluginSpec spec;
    spec.name = "memory_cache";
    wno::host::PluginRefusal refusal;
    if (!manager.load(spec, {WNO_BENCH_PLUGIN_DIR}, refusal).isOk()) throw std::runtime_error(refusal.line());
    std::vector<wno::host::CacheLevel> levels;
    auto backend = wno::host::CacheBackendInstance::create(manager.find(WNO_KIND_CACHE, "memory"),
                                                           wno::host::hostApiTable(), &services, "l1",
                                                           {{"max_bytes", 256 << 20}});
    levels.push_back({"l1", std::move(backend).value()});
    wno::host::CacheServiceOptions options;
    options.defaultTtlMs = 3600000;
    cache = std::make_unique<wno::host::CacheService>(std::move(levels), options, services);
  }
  wno::host::HostServices services;
  wno::host::PluginManager manager{wno::host::hostApiTable(), &services};
  std::unique_ptr<wno::host::CacheService> cache;
};

ServiceFixture& service() {
  static ServiceFixture f;
  return f;
}

void BM_CacheServiceHit(benchmark::State& state) {
  auto& f = service();
  if (state.thread_index() == 0) {
    for (int i = 0; i < kKeys; ++i) f.cache->set(key(i), kValue, {0, {"battles"}, "battles"});
  }
  std::vector<std::string> keys;
  for (int i = 0; i < kKeys; ++i) keys.push_back(key(i));
  size_t i = static_cast<size_t>(state.thread_index()) * 7919;
  for (auto _ : state) {
    auto r = f.cache->get(keys[i++ % kKeys], "battles");
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_CacheServiceHit)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();

void BM_CacheServiceSet(benchmark::State& state) {
  auto& f = service();
  int i = 0;
  for (auto _ : state) f.cache->set(key(i++ % kKeys), kValue, {0, {"battles", "battles:1"}, "battles"});
}
BENCHMARK(BM_CacheServiceSet)->UseRealTime();

void BM_InvalidateTag100k(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    wno::memory_cache::MemoryStore s({512u << 20, 16, 0.01, 0.8, nullptr, {}});
    for (int i = 0; i < 100000; ++i) s.set("k" + std::to_string(i), "v", 0, {"hot"}, "");
    state.ResumeTiming();
    benchmark::DoNotOptimize(s.invalidateTag("hot"));
  }
}
BENCHMARK(BM_InvalidateTag100k)->Unit(benchmark::kMillisecond)->Iterations(5);

// The same through the host cache service and the C ABI into the plugin.
void BM_ServiceInvalidateTag100k(benchmark::State& state) {
  auto& f = service();
  for (auto _ : state) {
    state.PauseTiming();
    for (int i = 0; i < 100000; ++i) f.cache->set("t" + std::to_string(i), "v", {0, {"hot"}, ""});
    state.ResumeTiming();
    auto removed = f.cache->invalidateTag("hot");
    if (!removed.isOk() || removed.value() != 100000u) state.SkipWithError("not every entry was invalidated");
  }
}
BENCHMARK(BM_ServiceInvalidateTag100k)->Unit(benchmark::kMillisecond)->Iterations(5);

}  // namespace

BENCHMARK_MAIN();
