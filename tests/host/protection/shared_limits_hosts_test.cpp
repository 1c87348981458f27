// Two wno-host processes on one redis-server hold one combined rate limit;
// when Redis dies each falls back to its local share (fallback_scale) with
// the rate_limit breaker open in /health and the fallback counted at
// /metrics, never failing a request; when Redis returns the breaker closes
// and the hosts share buckets again.
#include "process_runner.h"
#include "prometheus_text.h"
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
using ::testing::HasSubstr;

std::unique_ptr<ChildProcess> startHost(int port, const std::string& redisUrl, const std::filesystem::path& db) {
  json config = {
      {"http", {{"port", port}, {"access_log", false}}},
      {"log", {{"level", "warn"}}},
      {"plugins", {{"directories", {WNO_TEST_PLUGIN_DIR}}, {"load", {{{"name", "sqlite"}}}}}},
      {"data", {{"repositories", {{{"type", "sqlite"}, {"config", {{"path", db.string()}}}}}},
                {"collections", {{"things", {{"fields", {{"name", {{"type", "text"}}}}}, {"operations", {"list"}}}}}}}},
      {"protection",
       {{"rate_limits", {{{"name", "api"}, {"groups", {"api"}}, {"limit", 10}, {"window_ms", 60000}, {"burst", 10},
                          {"key", "api_key"}}}},
        {"shared", {{"redis_url", redisUrl}, {"timeout_ms", 200}, {"fallback_scale", 0.5},
                    {"breaker", {{"failure_threshold", 2}, {"open_ms", 300}}}}}}}};
  return startReadyHost(writeTempFile("shared-limit-" + std::to_string(port) + ".json", config.dump()), port);
}

int get(int port, const std::string& key) {
  return httpRequest(port, "GET", "/api/v1/things", "", {{"X-API-Key", key}}).status;
}

json breaker(int port, const std::string& name) {
  const json health = json::parse(httpRequest(port, "GET", "/health").body);
  for (const auto& b : health["breakers"]) {
    if (b["name"] == name) return b;
  }
  return nullptr;
}

TEST(SharedLimits, TwoHostsHoldTheCombinedLimitAndFallBackLocallyWhileRedisIsDown) {
  RedisServer redis;
  const auto dir = std::filesystem::temp_directory_path() / ("wno-shared-limits-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const int portA = freePort(), portB = freePort();
  auto a = startHost(portA, redis.url(), dir / "a.db");
  auto b = startHost(portB, redis.url(), dir / "b.db");

  // 30 requests spread over both hosts: 10 pass in all, not 10 per host.
  int ok = 0, limited = 0;
  for (int i = 0; i < 30; ++i) {
    const int status = get(i % 2 ? portB : portA, "client-1");
    ok += status == 200;
    limited += status == 429;
  }
  EXPECT_EQ(ok, 10);
  EXPECT_EQ(limited, 20);
  EXPECT_THAT(httpRequest(portA, "GET", "/metrics").body, ::testing::ContainsRegex("wno_rate_limit_shared_decisions_total [1-9]"));
  EXPECT_EQ(breaker(portA, "rate_limit redis")["state"], "closed");
  // One bucket in Redis, named without the API key itself.
  redisContext* c = redisConnect("127.0.0.1", redis.port());
  auto* keys = static_cast<redisReply*>(redisCommand(c, "KEYS wno:rl:*"));
  ASSERT_EQ(keys->elements, 1u);
  EXPECT_THAT(std::string(keys->element[0]->str), ::testing::StartsWith("wno:rl:api|key:"));
  EXPECT_EQ(std::string(keys->element[0]->str).find("client-1"), std::string::npos);
  freeReplyObject(keys);
  redisFree(c);

  // Redis dies: no request fails; host A limits alone at half the limit.
  redis.kill();
  ok = 0;
  for (int i = 0; i < 10; ++i) {
    const int status = get(portA, "client-1");
    EXPECT_TRUE(status == 200 || status == 429) << status;
    ok += status == 200;
  }
  EXPECT_EQ(ok, 5);
  EXPECT_EQ(breaker(portA, "rate_limit redis")["state"], "open");
  const json health = json::parse(httpRequest(portA, "GET", "/health").body);
  EXPECT_EQ(health["status"], "degraded");
  EXPECT_EQ(health["protection"]["rate_limits"], "shared");
  EXPECT_EQ(health["protection"]["shared_circuit"], "open");
  const std::string metrics = httpRequest(portA, "GET", "/metrics").body;
  EXPECT_EQ(checkPrometheusText(metrics), "");
  EXPECT_THAT(metrics, ::testing::ContainsRegex("wno_rate_limit_fallback_total\\{reason=\"error\"\\} [2-9]"));
  EXPECT_THAT(metrics, ::testing::ContainsRegex("wno_rate_limit_fallback_total\\{reason=\"circuit_open\"\\} [1-9]"));
  EXPECT_THAT(metrics, HasSubstr("wno_circuit_breaker_state{breaker=\"rate_limit redis\",kind=\"rate_limit\"} 1"));
  EXPECT_THAT(a->err(), HasSubstr("shared rate limits unavailable; deciding locally"));

  // Redis is back (empty): a half-open trial succeeds and the circuit closes.
  redis.start();
  bool closed = false;
  for (int i = 0; i < 200 && !closed; ++i) {
    get(portA, "probe-" + std::to_string(i));  // fresh keys: no bucket of interest is touched
    closed = breaker(portA, "rate_limit redis")["state"] == "closed";
    if (!closed) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(closed);
  EXPECT_THAT(httpRequest(portA, "GET", "/metrics").body,
              HasSubstr("wno_circuit_breaker_transitions_total{breaker=\"rate_limit redis\",kind=\"rate_limit\",to=\"closed\"} 1"));
  // Shared again: a new client gets 10 across both hosts.
  ok = 0;
  for (int i = 0; i < 30; ++i) ok += get(i % 2 ? portB : portA, "client-2") == 200;
  EXPECT_EQ(ok, 10);

  a->signal(SIGTERM);
  b->signal(SIGTERM);
  EXPECT_EQ(a->wait(std::chrono::seconds(20)), 0);
  EXPECT_EQ(b->wait(std::chrono::seconds(20)), 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace wno::test
