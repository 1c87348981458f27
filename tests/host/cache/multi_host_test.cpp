// Two wno-host processes sharing one Redis (L2 + backplane) and one SQLite
// database: a write through host A evicts host B's L1 copy, so B serves the
// new version; the cache stays coherent across processes.
#include "process_runner.h"
#include "redis_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <filesystem>
#include <thread>

namespace wno::test {
namespace {

using nlohmann::json;

std::unique_ptr<ChildProcess> startHost(int port, const std::string& redisUrl, const std::string& db) {
  json config = {
      {"http", {{"port", port}, {"access_log", false}}},
      {"plugins", {{"directories", {WNO_TEST_PLUGIN_DIR}},
                   {"load", {{{"name", "memory_cache"}}, {{"name", "redis"}}, {{"name", "sqlite"}}}}}},
      {"cache", {{"levels", {{{"name", "l1"}, {"backend", "memory"}},
                             {{"name", "l2"}, {"backend", "redis"}, {"config", {{"url", redisUrl}}}}}}}},
      {"data", {{"repositories", {{{"type", "sqlite"}, {"config", {{"path", db}}}}}},
                {"cursor_secret", "shared"},
                {"collections", {{"battles", {{"versioned", true},
                                              {"fields", {{"title", {{"type", "text"}}}}},
                                              {"cache", {{"ttl_ms", 600000}}}}}}}}}};
  static int n = 0;
  return startReadyHost(writeTempFile("multi-" + std::to_string(++n) + ".json", config.dump()), port);
}

TEST(MultiHost, AWriteOnOneHostEvictsTheOtherHostsL1) {
  RedisServer redis;
  const auto dir = std::filesystem::temp_directory_path() / ("wno-multi-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string db = (dir / "shared.db").string();
  const int portA = freePort(), portB = freePort();
  auto a = startHost(portA, redis.url(), db);
  auto b = startHost(portB, redis.url(), db);

  auto created = json::parse(httpRequest(portA, "POST", "/api/v1/battles", R"({"title":"v1"})").body);
  const std::string path = "/api/v1/battles/" + std::to_string(created["id"].get<int64_t>());
  // B reads it: now cached in B's L1 (and in Redis).
  EXPECT_EQ(json::parse(httpRequest(portB, "GET", path).body)["title"], "v1");
  EXPECT_EQ(json::parse(httpRequest(portB, "GET", path).body)["title"], "v1");
  // A changes it; B must serve the new version without waiting for a TTL.
  auto patched = httpRequest(portA, "PATCH", path, R"({"title":"v2"})", {{"If-Match", "\"v1\""}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  bool seen = false;
  for (int i = 0; i < 200 && !seen; ++i) {
    seen = json::parse(httpRequest(portB, "GET", path).body)["title"] == "v2";
    if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(seen) << "host B kept serving its stale L1 copy";
  auto stats = json::parse(httpRequest(portB, "GET", "/admin/cache/stats").body);
  EXPECT_GE(stats["levels"][1]["stats"]["backplane_received"].get<int>(), 1);
  // The L2 circuit is visible in /health while Redis is up, and opens when it dies.
  auto l2State = [&] {
    // Bound to a local: iterating a member of a temporary would dangle.
    const json health = json::parse(httpRequest(portB, "GET", "/health").body);
    for (const auto& b : health["breakers"]) {
      if (b["name"] == "cache l2") return b["state"].get<std::string>();
    }
    return std::string("missing");
  };
  EXPECT_EQ(l2State(), "closed");
  redis.kill();
  bool opened = false;
  for (int i = 0; i < 50 && !opened; ++i) {
    // Uncached ids go past L1 to the dead L2: still a clean 404, never a 5xx.
    EXPECT_EQ(httpRequest(portB, "GET", "/api/v1/battles/" + std::to_string(900000 + i)).status, 404);
    EXPECT_EQ(httpRequest(portB, "GET", path).status, 200);
    opened = l2State() == "open";
  }
  EXPECT_TRUE(opened);

  a->signal(SIGTERM);
  b->signal(SIGTERM);
  EXPECT_EQ(a->wait(std::chrono::seconds(20)), 0);
  EXPECT_EQ(b->wait(std::chrono::seconds(20)), 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace wno::test
