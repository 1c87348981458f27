// The template plugin, built out of tree against the installed SDK by the
// sdk_template_out_of_tree test, loads and runs in the real host.
#include "process_runner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <filesystem>
#include <thread>

namespace wno::test {
namespace {

using nlohmann::json;

TEST(OutOfTreePlugin, LoadsAndRunsInTheHost) {
  const std::filesystem::path so = WNO_TEMPLATE_PLUGIN;
  ASSERT_TRUE(std::filesystem::exists(so)) << "run sdk_template_out_of_tree first";
  const int port = freePort();
  json config = {{"http", {{"port", port}, {"access_log", false}}},
                 {"plugins", {{"directories", {so.parent_path().string()}}, {"load", {{{"name", "hello"}}}}}},
                 {"health", {{"probes", {{{"name", "hello"}, {"type", "hello"}, {"interval_ms", 50}, {"required", true}}}}}}};
  auto host = ChildProcess::start(WNO_HOST_BINARY, {"--config", writeTempFile("oot.json", config.dump())});
  bool ready = false;
  for (int i = 0; i < 200 && host->running() && !ready; ++i) {
    try {
      ready = httpRequest(port, "GET", "/readyz").status == 200;
    } catch (const std::exception&) {
    }
    if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(ready) << host->err();
  auto plugins = json::parse(httpRequest(port, "GET", "/admin/plugins").body)["plugins"];
  ASSERT_EQ(plugins.size(), 1u);
  EXPECT_EQ(plugins[0]["name"], "hello");
  EXPECT_EQ(plugins[0]["version"], "1.0.0");
  EXPECT_EQ(plugins[0]["components"].size(), 2u);
  auto health = json::parse(httpRequest(port, "GET", "/health").body);
  EXPECT_EQ(health["probes"][0]["message"], "hello");
  EXPECT_GE(health["probes"][0]["details"]["checks"].get<int>(), 1);
  EXPECT_THAT(httpRequest(port, "GET", "/metrics").body, ::testing::HasSubstr("hello_checks_total"));
  host->signal(SIGTERM);
  EXPECT_EQ(host->wait(std::chrono::seconds(20)), 0);
}

}  // namespace
}  // namespace wno::test
