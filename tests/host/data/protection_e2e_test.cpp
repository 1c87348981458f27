// Protection end to end: rate limits answer 429 with Retry-After and
// RateLimit headers; shedding turns non-critical routes into 503 above the
// threshold while health, metrics and admin keep answering.
#include "../process_runner.h"
#include "app/host_runtime.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

namespace wno::host {
namespace {

using nlohmann::json;
using test::httpRequest;

class ProtectionTest : public ::testing::Test {
 protected:
  void start(const json& protection, const json& loadFactor) {
    dir_ = std::filesystem::temp_directory_path() /
           ("wno-protect-" + std::to_string(::getpid()) + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    json config = {
        {"http", {{"port", 0}, {"access_log", false}}},
        {"plugins", {{"directories", {WNO_TEST_PLUGIN_DIR}}, {"load", {{{"name", "sqlite"}}}}}},
        {"data",
         {{"repositories", {{{"type", "sqlite"}, {"config", {{"path", (dir_ / "p.db").string()}}}}}},
          {"collections", {{"things", {{"fields", {{"name", {{"type", "text"}}}}}, {"operations", {"list", "get", "create"}}}}}}}},
        {"protection", protection},
        {"load_factor", loadFactor}};
    runtime_ = std::make_unique<HostRuntime>(config, WNO_TEST_BINARY_DIR);
    ASSERT_TRUE(runtime_->loadPlugins().isOk());
    Status s = runtime_->createComponents();
    ASSERT_TRUE(s.isOk()) << s.message();
    ASSERT_TRUE(runtime_->startHttp().isOk());
    port_ = runtime_->port();
  }
  void TearDown() override {
    runtime_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
  std::unique_ptr<HostRuntime> runtime_;
  int port_ = 0;
};

TEST_F(ProtectionTest, RateLimitAnswers429WithHeaders) {
  start({{"rate_limits", {{{"name", "api"}, {"groups", {"api"}}, {"limit", 3}, {"window_ms", 60000}, {"burst", 3}}}}},
        json::object());
  for (int i = 0; i < 3; ++i) {
    auto ok = httpRequest(port_, "GET", "/api/v1/things");
    ASSERT_EQ(ok.status, 200);
    EXPECT_EQ(ok.header("RateLimit-Limit"), "3");
    EXPECT_EQ(ok.header("RateLimit-Remaining"), std::to_string(2 - i));
    EXPECT_EQ(ok.header("RateLimit-Policy"), "\"api\";q=3;w=60");
  }
  auto limited = httpRequest(port_, "GET", "/api/v1/things");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.contentType, "application/problem+json");
  EXPECT_EQ(limited.header("Retry-After"), "20");  // one request per 20 s at 3 per minute
  EXPECT_EQ(limited.header("RateLimit-Remaining"), "0");
  // Other groups are not limited by an api rule.
  EXPECT_EQ(httpRequest(port_, "GET", "/livez").status, 200);
  EXPECT_THAT(httpRequest(port_, "GET", "/metrics").body,
              ::testing::HasSubstr("wno_http_rate_limited_total{policy=\"api\"} 1"));
}

TEST_F(ProtectionTest, SheddingUnderLoadSparesHealthMetricsAndAdmin) {
  start({{"shedding", {{"enabled", true}, {"shed_above", 0.9}, {"resume_below", 0.75}, {"retry_after_s", 7}}}},
        {{"fixed", 0.95}, {"interval_ms", 3600000}});  // one sample at start, then the test drives the load
  auto shed = httpRequest(port_, "GET", "/api/v1/things");
  EXPECT_EQ(shed.status, 503);
  EXPECT_EQ(shed.header("Retry-After"), "7");
  EXPECT_EQ(httpRequest(port_, "GET", "/livez").status, 200);
  EXPECT_EQ(httpRequest(port_, "GET", "/metrics").status, 200);
  EXPECT_EQ(httpRequest(port_, "GET", "/admin/plugins").status, 200);
  // A shedding host is not ready: the load balancer should send traffic elsewhere.
  EXPECT_EQ(httpRequest(port_, "GET", "/readyz").status, 503);
  EXPECT_EQ(json::parse(httpRequest(port_, "GET", "/health").body)["shedding"], true);

  // Hysteresis: between the thresholds it keeps shedding; below resume it serves.
  runtime_->services().setLoadFactor(0.8);
  EXPECT_EQ(httpRequest(port_, "GET", "/api/v1/things").status, 503);
  runtime_->services().setLoadFactor(0.5);
  EXPECT_EQ(httpRequest(port_, "GET", "/api/v1/things").status, 200);
  runtime_->services().setLoadFactor(0.85);
  EXPECT_EQ(httpRequest(port_, "GET", "/api/v1/things").status, 200);
}

}  // namespace
}  // namespace wno::host
