// The load factor follows a real CPU burn: busy threads in the host
// process push the cpu probe's signal and the load factor up in /health
// (and in /health/history), and both fall back once the threads stop.
#include "health_host.h"
#include "prometheus_text.h"

#include <gmock/gmock.h>

#include <atomic>
#include <thread>
#include <vector>

namespace wno::test {
namespace {

using nlohmann::json;

double cpuSignal(const json& health) {
  const json& v = health["load"]["signals"]["probe:cpu"]["value"];
  return v.is_number() ? v.get<double>() : -1;
}

TEST(CpuBurn, LoadFactorRisesWithBusyThreadsAndFallsAfter) {
  // Process scope: the host's own CPU time over its cores, so other work on
  // the machine neither helps nor hides the burn.
  HealthHost host({{"plugins", {{"load", {{{"name", "system_probes"}}}}}},
                   {"health", {{"probes", {{{"name", "cpu"}, {"type", "cpu"}, {"interval_ms", 200},
                                            {"config", {{"scope", "process"}}}}}}}},
                   {"load_factor", {{"interval_ms", 100}, {"smoothing", 0.5}, {"signals", {{{"source", "probe:cpu"}}}}}}});
  // The first samples include the host's own start-up (plugin loading, and
  // much more under sanitizers), so wait for the idle host to settle.
  json idle;
  EXPECT_TRUE(eventually([&] {
    idle = host.health();
    const double signal = cpuSignal(idle);
    return signal >= 0 && signal < 0.2;
  }, std::chrono::seconds(10))) << idle.dump();

  std::atomic<bool> burning{true};
  std::vector<std::thread> burners;
  // More threads than cores: even on a busy machine they get a large share.
  const unsigned n = std::max(4u, 2 * std::thread::hardware_concurrency());
  for (unsigned i = 0; i < n; ++i) {
    burners.emplace_back([&] {
      volatile uint64_t x = 0;
      while (burning.load(std::memory_order_relaxed)) x = x + 1;
    });
  }
  json hot;
  const bool rose = eventually([&] {
    hot = host.health();
    return cpuSignal(hot) > 0.3 && hot["load_factor"].get<double>() > 0.3;
  }, std::chrono::seconds(20));
  burning = false;
  for (auto& t : burners) t.join();
  ASSERT_TRUE(rose) << hot.dump();
  EXPECT_EQ(hot["load"]["signals"]["probe:cpu"]["weight"], 1.0);
  EXPECT_GT(host.probe("cpu")["details"]["utilization"].get<double>(), 0.0);
  EXPECT_EQ(host.probe("cpu")["details"]["source"], "process");
  EXPECT_THAT(host.metrics(), ::testing::HasSubstr("wno_load_factor "));
  EXPECT_THAT(host.metrics(), ::testing::HasSubstr("wno_build_info{abi=\"1."));
  EXPECT_THAT(host.metrics(), ::testing::ContainsRegex("wno_process_resident_memory_bytes [1-9]"));
  EXPECT_GT(hot["resources"]["rss_bytes"].get<int64_t>(), 0);
  EXPECT_GT(hot["resources"]["threads"].get<int>(), static_cast<int>(n));

  json cool;
  EXPECT_TRUE(eventually([&] {
    cool = host.health();
    return cpuSignal(cool) < 0.15 && cool["load_factor"].get<double>() < 0.15;
  }, std::chrono::seconds(20))) << cool.dump();

  // The history shows the whole episode: low, high, low again.
  const json history = json::parse(host.get("/health/history").body);
  double peak = 0;
  for (const auto& s : history["samples"]) peak = std::max(peak, s["value"].get<double>());
  EXPECT_GT(peak, 0.3);
  EXPECT_LT(history["samples"].back()["value"].get<double>(), 0.15);
  EXPECT_EQ(checkPrometheusText(host.metrics()), "");
}

}  // namespace
}  // namespace wno::test
