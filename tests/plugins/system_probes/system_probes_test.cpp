// The system probes: parsers on sample /proc and cgroup text, quota math,
// thresholds, and the probes through their vtables over fake trees.
#include "system_readings.h"

#include <wno/sdk/testing.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace wno::probes {
namespace {

using wno::sdk::testing::FakeHost;

const char* kStat =
    "cpu  100 0 100 700 100 0 0 0 0 0\n"
    "cpu0 50 0 50 350 50 0 0 0 0 0\n"
    "cpu1 50 0 50 350 50 0 0 0 0 0\n"
    "intr 12345\n";

TEST(Readings, ProcStat) {
  auto s = parseProcStat(kStat);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->total, 1000u);
  EXPECT_EQ(s->idle, 800u);
  EXPECT_EQ(s->cpus, 2);
  EXPECT_FALSE(parseProcStat("garbage"));
  ProcStat later{2000, 1300, 2};
  EXPECT_DOUBLE_EQ(cpuUtilization(*s, later), 0.5);  // 500 of 1000 new jiffies busy
  EXPECT_DOUBLE_EQ(cpuUtilization(later, *s), 0.0);  // counters going backwards: no data, not negative
}

TEST(Readings, CgroupCpuQuota) {
  EXPECT_EQ(parseCpuMax("max 100000\n"), std::nullopt);
  EXPECT_DOUBLE_EQ(*parseCpuMax("150000 100000\n"), 1.5);
  EXPECT_EQ(parseCpuUsageUsec("usage_usec 123456\nuser_usec 1\n"), 123456u);
  // 1.5 cores of quota, 0.75 s of CPU in 1 s of wall time: half the quota.
  EXPECT_DOUBLE_EQ(cgroupUtilization(750000, 1000000, 1.5), 0.5);
  EXPECT_DOUBLE_EQ(cgroupUtilization(5000000, 1000000, 1.5), 1.0);  // clamped
}

TEST(Readings, Memory) {
  auto m = parseMemInfo("MemTotal:       1000 kB\nMemFree:  100 kB\nMemAvailable:    250 kB\n");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->totalBytes, 1024000u);
  EXPECT_EQ(m->availableBytes, 256000u);
  EXPECT_EQ(parseVmRssBytes("Name: x\nVmRSS:\t  2048 kB\n"), 2048u * 1024);
  EXPECT_EQ(parseMemoryMax("max\n"), std::nullopt);
  EXPECT_EQ(parseMemoryMax("1073741824\n"), 1073741824u);
}

class FakeTree : public ::testing::Test {
 protected:
  void SetUp() override {
    root = std::filesystem::temp_directory_path() / ("wno-probes-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(root / "proc/self");
    std::filesystem::create_directories(root / "cgroup/app");
    write("proc/self/cgroup", "0::/app\n");
  }
  void TearDown() override { std::filesystem::remove_all(root); }
  void write(const std::string& rel, const std::string& text) { std::ofstream(root / rel) << text; }
  std::string config(const std::string& extra = "") {
    return "{\"proc_root\":\"" + (root / "proc").string() + "\",\"cgroup_root\":\"" + (root / "cgroup").string() +
           "\"" + extra + "}";
  }
  std::filesystem::path root;
};

TEST_F(FakeTree, MemoryProbeUsesTheCgroupLimitAndThresholds) {
  write("proc/meminfo", "MemTotal: 1000000 kB\nMemAvailable: 900000 kB\n");
  write("proc/self/status", "VmRSS: 1000 kB\n");
  FakeHost host;
  auto probe = host.create<wno_type_health_probe>(WNO_KIND_HEALTH_PROBE, "memory", config());
  auto r = wno::sdk::testing::check(probe);
  EXPECT_EQ(r.health, WNO_HEALTH_UP);
  EXPECT_NEAR(r.load, 0.1, 1e-9);
  EXPECT_EQ(nlohmann::json::parse(r.detailsJson)["source"], "system");

  write("cgroup/app/memory.max", "1000\n");
  write("cgroup/app/memory.current", "900\n");
  r = wno::sdk::testing::check(probe);
  EXPECT_EQ(r.health, WNO_HEALTH_DEGRADED);  // 0.9 > 0.85
  EXPECT_NEAR(r.load, 0.9, 1e-9);
  auto details = nlohmann::json::parse(r.detailsJson);
  EXPECT_EQ(details["source"], "cgroup");
  EXPECT_EQ(details["rss_bytes"], 1024000);
  write("cgroup/app/memory.current", "990\n");
  EXPECT_EQ(wno::sdk::testing::check(probe).health, WNO_HEALTH_DOWN);  // 0.99 > 0.95
}

TEST_F(FakeTree, CpuProbeReportsAndFailsClearly) {
  write("proc/stat", kStat);
  FakeHost host;
  auto probe = host.create<wno_type_health_probe>(WNO_KIND_HEALTH_PROBE, "cpu", config(",\"degraded_above\":0.4"));
  // No jiffies moved between the two first samples: idle.
  auto r = wno::sdk::testing::check(probe, 20);
  EXPECT_EQ(r.status, WNO_OK);
  EXPECT_EQ(r.health, WNO_HEALTH_UP);
  write("proc/stat", "cpu  600 0 100 1200 100 0 0 0 0 0\ncpu0 1\ncpu1 1\n");  // 500 busy of 1000 new
  r = wno::sdk::testing::check(probe, 20);
  EXPECT_NEAR(r.load, 0.5, 1e-9);
  EXPECT_EQ(r.health, WNO_HEALTH_DEGRADED);
  std::filesystem::remove(root / "proc/stat");
  EXPECT_EQ(wno::sdk::testing::check(probe, 20).status, WNO_ERR_UNAVAILABLE);
  EXPECT_THAT(host.lastError(), ::testing::HasSubstr("cannot read"));
}

TEST_F(FakeTree, BadConfigIsRefusedWithTheKey) {
  FakeHost host;
  EXPECT_THROW(host.create<wno_type_health_probe>(WNO_KIND_HEALTH_PROBE, "cpu", "{\"degraded_above\": 7}"),
               wno::sdk::Error);
  EXPECT_THAT(host.lastError(), ::testing::HasSubstr("degraded_above"));
  EXPECT_THROW(host.create<wno_type_health_probe>(WNO_KIND_HEALTH_PROBE, "disk", "{\"paht\": \"/\"}"),
               wno::sdk::Error);
  EXPECT_THAT(host.lastError(), ::testing::HasSubstr("unknown config key \"paht\""));
}

TEST(CpuProbe, ProcessScopeCountsThisProcessOnly) {
  FakeHost host;
  auto probe = host.create<wno_type_health_probe>(WNO_KIND_HEALTH_PROBE, "cpu", R"({"scope":"process"})");
  auto r = wno::sdk::testing::check(probe, 200);
  ASSERT_EQ(r.status, WNO_OK);
  auto details = nlohmann::json::parse(r.detailsJson);
  EXPECT_EQ(details["source"], "process");
  EXPECT_GE(details["process_cores"].get<double>(), 1.0);
  // Busy on this thread between two checks: the process is using CPU.
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
  volatile uint64_t spin = 0;
  while (std::chrono::steady_clock::now() < until) spin = spin + 1;
  r = wno::sdk::testing::check(probe, 200);
  EXPECT_GT(r.load, 0.0);
  EXPECT_THAT(r.message, ::testing::HasSubstr("process cpu"));
  EXPECT_THROW(host.create<wno_type_health_probe>(WNO_KIND_HEALTH_PROBE, "cpu", R"({"scope":"galaxy"})"),
               wno::sdk::Error);
  EXPECT_THAT(host.lastError(), ::testing::HasSubstr("scope: expected system or process"));
}

TEST(DiskProbe, ReportsFreeSpaceOfTheRealFileSystem) {
  FakeHost host;
  auto probe = host.create<wno_type_health_probe>(WNO_KIND_HEALTH_PROBE, "disk", "{\"path\":\"/\"}");
  auto r = wno::sdk::testing::check(probe);
  ASSERT_EQ(r.status, WNO_OK);
  auto details = nlohmann::json::parse(r.detailsJson);
  EXPECT_GT(details["total_bytes"].get<double>(), 0);
  EXPECT_NEAR(r.load, 1.0 - details["free_fraction"].get<double>(), 1e-9);
  auto missing = host.create<wno_type_health_probe>(WNO_KIND_HEALTH_PROBE, "disk", "{\"path\":\"/no/such/dir\"}");
  EXPECT_EQ(wno::sdk::testing::check(missing).status, WNO_ERR_UNAVAILABLE);
}

}  // namespace
}  // namespace wno::probes
