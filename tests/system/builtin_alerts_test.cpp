// Built-in alerts (config /alerts) in the three hosts of the system rig,
// without Prometheus: an upstream every host requires (an http probe of a
// scripted server) starts failing, every host's rule fires, and through the
// rig's Redis exactly one host sends the "firing" webhook; the upstream
// recovers and exactly one "resolved" follows. Each host logs its own view.
#include "cluster.h"
#include "fake_http_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace wno::test::system {
namespace {

using nlohmann::json;

TEST(BuiltInAlerts, ThreeHostsSeeOneOutageAndSendOneEventPerTransition) {
  std::atomic<int> upstreamStatus{200};
  testing::FakeHttpServer upstream([&](const testing::RecordedRequest& r) {
    return testing::answer(r.uri == "/hook" ? 200 : upstreamStatus.load(), "{}");
  });
  Cluster cluster;
  json base = cluster.config(0);
  json plugins = base["plugins"]["load"];
  plugins.push_back({{"name", "http_probe"}});
  json probes = base["health"]["probes"];
  probes.push_back({{"name", "upstream"}, {"type", "http"}, {"interval_ms", 100}, {"timeout_ms", 1000},
                    {"required", true}, {"config", {{"url", upstream.url("/status")}}}});
  const json alerts = {
      {"interval_ms", 100},
      {"rules", {{{"name", "required_probe_down"}, {"kind", "required_probe_down"}, {"above", 0}, {"for_ms", 300}}}},
      {"webhooks", {{{"name", "oncall"}, {"url", upstream.url("/hook")}, {"backoff_ms", 50}}}},
      {"dedup", {{"redis_url", cluster.redis().url()}}}};
  cluster.startAll({{"plugins", {{"load", plugins}}}, {"health", {{"probes", probes}}}, {"alerts", alerts}});

  auto hooks = [&](const std::string& state) {
    std::vector<json> events;
    for (const auto& r : upstream.requests()) {
      if (r.uri != "/hook") continue;
      json e = json::parse(r.body, nullptr, false);
      if (e.value("state", "") == state) events.push_back(e);
    }
    return events;
  };
  auto firingOnEveryHost = [&](int expected) {
    for (int i = 0; i < cluster.size(); ++i) {
      const std::string metrics = cluster.get(i, "/metrics").body;
      const std::string line = "wno_alert_firing{alert=\"required_probe_down\",severity=\"page\"} " + std::to_string(expected);
      if (metrics.find(line) == std::string::npos) return false;
    }
    return true;
  };

  const auto broken = Clock::now();
  upstreamStatus = 503;
  ASSERT_TRUE(eventually([&] { return firingOnEveryHost(1); }, std::chrono::seconds(30), std::chrono::milliseconds(50)));
  report("builtin_alert_fault_to_firing_everywhere_ms", msSince(broken));
  ASSERT_TRUE(eventually([&] { return hooks("firing").size() >= 1; }, std::chrono::seconds(10)));
  const auto repaired = Clock::now();
  upstreamStatus = 200;
  ASSERT_TRUE(eventually([&] { return firingOnEveryHost(0); }, std::chrono::seconds(30), std::chrono::milliseconds(50)));
  report("builtin_alert_repair_to_resolved_everywhere_ms", msSince(repaired));
  ASSERT_TRUE(eventually([&] { return hooks("resolved").size() >= 1; }, std::chrono::seconds(10)));
  // Late duplicates would have arrived by now: every host has resolved.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));

  const auto firing = hooks("firing");
  const auto resolved = hooks("resolved");
  ASSERT_EQ(firing.size(), 1u) << "one host sends for the fleet";
  ASSERT_EQ(resolved.size(), 1u);
  EXPECT_EQ(firing[0]["alert"], "required_probe_down");
  EXPECT_EQ(firing[0]["subjects"], json::array({"upstream"}));
  EXPECT_FALSE(firing[0].value("host", "").empty());
}

}  // namespace
}  // namespace wno::test::system
