// The template plugin, built out of tree against the installed SDK by the
// sdk_template_out_of_tree test, loads and runs in the real host.
#include "process_runner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <filesystem>
#include <thread>

#include <unistd.h>

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
  auto host = startReadyHost(writeTempFile("oot.json", config.dump()), port);
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

// docs/plugin-guide.md, "Load it": the guide's overlay, as written, on the
// built-in default adds the plugin and keeps every default plugin (named
// lists merge by key; the shipped folder is searched after the given one).
TEST(OutOfTreePlugin, TheGuideSnippetOverlaysTheDefault) {
  const std::filesystem::path so = WNO_TEMPLATE_PLUGIN;
  ASSERT_TRUE(std::filesystem::exists(so)) << "run sdk_template_out_of_tree first";
  const std::string overlay = writeTempFile("guide.json", R"({
  "plugins": {"directories": [")" + so.parent_path().string() + R"("], "load": [{"name": "hello"}]},
  "health":  {"probes": [{"name": "hello", "type": "hello", "config": {}}]}
})");
  auto listed = runHost({"--config", "@default", "--config", overlay, "--list-plugins"});
  ASSERT_EQ(listed.exitCode, 0) << listed.out << listed.err;
  for (const char* name : {"hello ", "memory_cache ", "system_probes ", "sqlite ", "compute_user_stats "}) {
    EXPECT_THAT(listed.out, ::testing::HasSubstr(std::string("\n") + name)) << listed.out;
  }
  // The template refuses an empty greeting: --validate-config asks it.
  const std::string bad = writeTempFile("guide-bad.json", R"({"health": {"probes": [{"name": "hello", "config": {"greeting":""}}]}})");
  const auto state = std::filesystem::temp_directory_path() / ("wno-guide-" + std::to_string(::getpid()));
  auto refused = runHost({"--config", "@default", "--config", overlay, "--config", bad,
                          "--set", "/data/repositories/0/config/path=" + (state / "wno.db").string(),
                          "--set", "/jobs/store/config/path=" + (state / "jobs.db").string(), "--validate-config"});
  std::filesystem::remove_all(state);
  EXPECT_EQ(refused.exitCode, 1) << refused.out;
  EXPECT_THAT(refused.err, ::testing::HasSubstr("/health/probes/4/config: health_probe \"hello\" refused its config: "
                                                "greeting: must not be empty"));
}

}  // namespace
}  // namespace wno::test
