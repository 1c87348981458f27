// In-process costs behind /health and the protection middleware:
//  - one load factor sample over N constant signals, and over the real
//    probe runners of the shipped cpu, memory and disk probes (a snapshot
//    copy per probe, as the host samples them);
//  - one check of the cpu and memory probes (what each probe interval costs);
//  - a GCRA decision: local (one hot key, many keys, two threads), and
//    shared through a throwaway redis-server (one EVALSHA round trip);
//  - a circuit breaker allow + success pair (every guarded call pays it).
#include "core/logger.h"
#include "health/load_factor.h"
#include "health/probe_runner.h"
#include "plugins/plugin_manager.h"
#include "protection/circuit_breaker.h"
#include "protection/gcra.h"
#include "protection/shared_rate_limiter.h"
#include "redis_server.h"
#include "services/host_api.h"

#include <benchmark/benchmark.h>

#include <random>

namespace {

using namespace wno::host;

void quiet() { Logger::instance().configure(WNO_LOG_ERROR, LogFormat::Json); }

void BM_LoadFactorSample_ConstantSignals(benchmark::State& state) {
  quiet();
  HostServices services;
  std::vector<LoadSignal> signals;
  for (int i = 0; i < state.range(0); ++i) {
    signals.push_back({"s" + std::to_string(i), 1.0, [i] { return std::optional<double>(0.1 * (i % 10)); }});
  }
  LoadFactorOptions options;
  options.historySize = 3600;
  LoadFactor load(options, std::move(signals), services);
  for (auto _ : state) benchmark::DoNotOptimize(load.sampleOnce());
}
BENCHMARK(BM_LoadFactorSample_ConstantSignals)->Arg(1)->Arg(4)->Arg(16);

// The shipped system probes, as the host runs them (runners started with a
// long interval: one real check each, then idle), sampled through snapshots.
struct ProbeFixture {
  ProbeFixture() {
    quiet();
    PluginSpec spec;
    spec.name = "system_probes";
    PluginRefusal refusal;
    if (!manager.load(spec, {WNO_BENCH_PLUGIN_DIR}, refusal).isOk()) throw std::runtime_error(refusal.line());
    for (const char* type : {"cpu", "memory", "disk"}) {
      auto instance = HealthProbeInstance::create(manager.find(WNO_KIND_HEALTH_PROBE, type), hostApiTable(), &services,
                                                  type, nlohmann::json::object());
      ProbeOptions options;
      options.name = type;
      options.interval = std::chrono::hours(1);
      runners.push_back(std::make_unique<ProbeRunner>(std::move(instance).value(), options, services.metrics()));
      runners.back()->start();
    }
    for (auto& r : runners) {
      while (!r->snapshot().checked) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  ~ProbeFixture() {
    for (auto& r : runners) r->stop();
  }
  std::vector<LoadSignal> signals() {
    std::vector<LoadSignal> out;
    for (auto& r : runners) {
      ProbeRunner* runner = r.get();
      out.push_back({"probe:" + runner->options().name, 1.0, [runner]() -> std::optional<double> {
                       ProbeSnapshot s = runner->snapshot();
                       if (!s.checked || s.load < 0) return std::nullopt;
                       return s.load;
                     }});
    }
    return out;
  }
  HostServices services;
  PluginManager manager{hostApiTable(), &services};
  std::vector<std::unique_ptr<ProbeRunner>> runners;
};

ProbeFixture& probes() {
  static ProbeFixture f;
  return f;
}

void BM_LoadFactorSample_SystemProbes(benchmark::State& state) {
  LoadFactor load(LoadFactorOptions{}, probes().signals(), probes().services);
  for (auto _ : state) benchmark::DoNotOptimize(load.sampleOnce());
}
BENCHMARK(BM_LoadFactorSample_SystemProbes);

void BM_ProbeCheck(benchmark::State& state, const char* type) {
  quiet();
  HostServices services;
  PluginManager manager{hostApiTable(), &services};
  PluginSpec spec;
  spec.name = "system_probes";
  PluginRefusal refusal;
  if (!manager.load(spec, {WNO_BENCH_PLUGIN_DIR}, refusal).isOk()) throw std::runtime_error(refusal.line());
  auto probe = HealthProbeInstance::create(manager.find(WNO_KIND_HEALTH_PROBE, type), hostApiTable(), &services, type,
                                           nlohmann::json::object())
                   .value();
  wno_probe_sink sink{nullptr, [](void*, const wno_probe_report* r) { benchmark::DoNotOptimize(r->load); }};
  probe->call("on_check", probe->vtable().on_check, int64_t{1000}, &sink);  // the cpu probe's first check sleeps
  for (auto _ : state) probe->call("on_check", probe->vtable().on_check, int64_t{1000}, &sink);
}
BENCHMARK_CAPTURE(BM_ProbeCheck, cpu, "cpu");
BENCHMARK_CAPTURE(BM_ProbeCheck, memory, "memory");

const RatePolicy kPolicy{1000000, 1000, 0};  // never denies: every call does the full step

void BM_GcraLocal_OneKey(benchmark::State& state) {
  static GcraLimiter limiter;
  const GcraParams params = gcraParams(kPolicy, 1.0);
  int64_t now = 0;
  const std::string key = "api|ip:10.0.0.1";
  for (auto _ : state) benchmark::DoNotOptimize(limiter.decideUs(key, ++now, params));
}
BENCHMARK(BM_GcraLocal_OneKey);
BENCHMARK(BM_GcraLocal_OneKey)->Threads(2)->UseRealTime();

void BM_GcraLocal_ManyKeys(benchmark::State& state) {
  GcraLimiter limiter;
  const GcraParams params = gcraParams(kPolicy, 1.0);
  std::vector<std::string> keys;
  for (int i = 0; i < 10000; ++i) keys.push_back("api|ip:10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256));
  std::mt19937 rng(42);
  int64_t now = 0;
  for (auto _ : state) benchmark::DoNotOptimize(limiter.decideUs(keys[rng() % keys.size()], ++now, params));
}
BENCHMARK(BM_GcraLocal_ManyKeys);

// The policy arithmetic every request pays before its decision.
void BM_GcraParams(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(gcraParams(kPolicy, 0.5));
}
BENCHMARK(BM_GcraParams);

void BM_GcraShared_Redis(benchmark::State& state) {
  quiet();
  static wno::test::RedisServer redis;
  Metrics metrics;
  SharedLimitOptions options;
  options.redisUrl = redis.url();
  options.timeout = std::chrono::milliseconds(1000);
  auto limiter = SharedRateLimiter::create(options, std::make_shared<CircuitBreaker>("rl", BreakerOptions{}), metrics).value();
  const GcraParams params = gcraParams(kPolicy, 1.0);
  const std::string key = "api|ip:10.0.0.1";
  for (auto _ : state) {
    auto d = limiter->decide(key, params);
    if (!d) state.SkipWithError("redis did not answer");
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_GcraShared_Redis)->UseRealTime();

void BM_BreakerAllowSuccess(benchmark::State& state) {
  static CircuitBreaker breaker("dep", BreakerOptions{});
  for (auto _ : state) {
    if (const BreakerPermit permit = breaker.allow()) breaker.onSuccess(permit);
  }
}
BENCHMARK(BM_BreakerAllowSuccess);
BENCHMARK(BM_BreakerAllowSuccess)->Threads(2)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
