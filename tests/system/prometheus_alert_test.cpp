// Debian's real prometheus scrapes the three hosts of the system rig with
// the shipped rules (deploy/prometheus/wno.rules.yml, every `for:` cut to
// 2 s so the test takes seconds, not minutes): Redis is killed and
// WnoRequiredProbeDown goes pending, then firing, for every host; Redis
// returns and the alerts resolve. Read through Prometheus' HTTP API, as
// Alertmanager or an operator would. Timings are reported, bounds generous.
#include "cluster.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace wno::test::system {
namespace {

using nlohmann::json;

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class Prometheus {
 public:
  Prometheus(const std::string& dir, const std::vector<int>& targets) : port_(freePort()) {
    std::string rules = readFile(std::string(WNO_TEST_SOURCE_DIR) + "/deploy/prometheus/wno.rules.yml");
    if (rules.empty()) throw std::runtime_error("cannot read deploy/prometheus/wno.rules.yml");
    rules = std::regex_replace(rules, std::regex("for: [0-9]+[smh]"), "for: 2s");
    rules = std::regex_replace(rules, std::regex("interval: [0-9]+s"), "interval: 1s");
    std::ofstream(dir + "/wno.rules.yml") << rules;
    std::string list;
    for (int port : targets) list += (list.empty() ? "\"" : ", \"") + std::string("127.0.0.1:") + std::to_string(port) + "\"";
    std::ofstream(dir + "/prometheus.yml") << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                                           << "rule_files: [\"" << dir << "/wno.rules.yml\"]\n"
                                           << "scrape_configs:\n  - job_name: wno\n    static_configs:\n"
                                           << "      - targets: [" << list << "]\n";
    process_ = ChildProcess::start("/usr/bin/prometheus",
                                   {"--config.file=" + dir + "/prometheus.yml", "--storage.tsdb.path=" + dir + "/tsdb",
                                    "--web.listen-address=127.0.0.1:" + std::to_string(port_), "--log.level=warn"});
  }
  ~Prometheus() {
    process_->signal(SIGTERM);
    process_->wait(std::chrono::seconds(20));
  }
  ChildProcess& process() { return *process_; }

  // GET /api/v1/<path> "data", or null while Prometheus does not answer.
  json api(const std::string& path) {
    try {
      auto r = httpRequest(port_, "GET", "/api/v1/" + path);
      if (r.status != 200) return nullptr;
      return json::parse(r.body)["data"];
    } catch (const std::exception&) {
      return nullptr;
    }
  }
  // Instances with the alert in `state` ("pending" or "firing").
  std::set<std::string> alerts(const std::string& name, const std::string& state) {
    std::set<std::string> instances;
    json data = api("alerts");
    if (data.is_null()) return instances;
    for (const auto& a : data["alerts"]) {
      if (a["labels"].value("alertname", "") == name && a.value("state", "") == state) {
        instances.insert(a["labels"].value("instance", ""));
      }
    }
    return instances;
  }

 private:
  int port_;
  std::unique_ptr<ChildProcess> process_;
};

TEST(PrometheusAlerts, RedisKilledFiresRequiredProbeDownAndItResolvesWhenRedisReturns) {
  ASSERT_TRUE(std::filesystem::exists("/usr/bin/prometheus")) << "Debian package prometheus (scripts/install-deps.sh)";
  Cluster cluster;
  // The rig's redis probe, made required: Redis down then gates readiness
  // and pages (WnoRequiredProbeDown), as it would where L2 is vital.
  json probes = cluster.config(0)["health"]["probes"];
  for (auto& p : probes) {
    if (p["name"] == "redis") p["required"] = true;
  }
  cluster.startAll({{"health", {{"probes", probes}}}});
  std::vector<int> ports;
  std::set<std::string> instances;
  for (int i = 0; i < cluster.size(); ++i) {
    ports.push_back(cluster.port(i));
    instances.insert("127.0.0.1:" + std::to_string(cluster.port(i)));
  }
  const auto dir = std::filesystem::temp_directory_path() / ("wno-prometheus-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  Prometheus prometheus(dir.string(), ports);

  // Every host scraped and the rules loaded before anything breaks.
  ASSERT_TRUE(eventually(
      [&] {
        json up = prometheus.api("query?query=up%7Bjob%3D%22wno%22%7D%3D%3D1");
        json groups = prometheus.api("rules");
        return !up.is_null() && up["result"].size() == ports.size() && !groups.is_null() &&
               groups["groups"].size() == 2;
      },
      std::chrono::seconds(60), std::chrono::milliseconds(200)))
      << prometheus.process().err();
  EXPECT_TRUE(prometheus.alerts("WnoRequiredProbeDown", "pending").empty());
  EXPECT_TRUE(prometheus.alerts("WnoRequiredProbeDown", "firing").empty());

  const auto killed = Clock::now();
  cluster.redis().kill();
  ASSERT_TRUE(eventually([&] { return prometheus.alerts("WnoRequiredProbeDown", "pending") == instances; },
                         std::chrono::seconds(30), std::chrono::milliseconds(100)))
      << prometheus.api("alerts").dump();
  report("prometheus_kill_to_pending_ms", msSince(killed));
  ASSERT_TRUE(eventually([&] { return prometheus.alerts("WnoRequiredProbeDown", "firing") == instances; },
                         std::chrono::seconds(30), std::chrono::milliseconds(100)))
      << prometheus.api("alerts").dump();
  report("prometheus_kill_to_firing_ms", msSince(killed));
  // The alert carries what an operator needs.
  json firing = prometheus.api("alerts")["alerts"][0];
  EXPECT_EQ(firing["labels"]["probe"], "redis");
  EXPECT_EQ(firing["labels"]["severity"], "page");
  EXPECT_EQ(firing["annotations"]["runbook_url"], "docs/operations.md#wnorequiredprobedown");

  const auto restarted = Clock::now();
  cluster.redis().start();
  ASSERT_TRUE(eventually(
      [&] {
        return prometheus.alerts("WnoRequiredProbeDown", "firing").empty() &&
               prometheus.alerts("WnoRequiredProbeDown", "pending").empty();
      },
      std::chrono::seconds(30), std::chrono::milliseconds(100)))
      << prometheus.api("alerts").dump();
  report("prometheus_restart_to_resolved_ms", msSince(restarted));
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace wno::test::system
