// Circuit breakers seen from outside: around outbound HTTP (the http probe)
// and around PostgreSQL (repository calls). Each opens on real failures,
// shows in /health ("breakers") and /metrics (state gauge, transitions),
// answers fast while open (a skipped probe check; a 503 whose Retry-After
// is the time left), and closes by itself once the dependency is back.
#include "fake_http_server.h"
#include "health_host.h"
#include "postgres_server.h"
#include "prometheus_text.h"

#include <gmock/gmock.h>

namespace wno::test {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

TEST(Breakers, HttpProbeBreakerOpensOnADownEndpointAndClosesWhenItRecovers) {
  testing::FakeHttpServer endpoint;
  endpoint.reply(testing::answer(503, "maintenance"));
  HealthHost host({{"plugins", {{"load", {{{"name", "http_probe"}}}}}},
                   {"health",
                    {{"probes",
                      {{{"name", "web"}, {"type", "http"}, {"interval_ms", 20}, {"timeout_ms", 1000},
                        {"config", {{"url", endpoint.url("/livez")}}},
                        {"breaker", {{"enabled", true}, {"failure_threshold", 3}, {"open_ms", 400}}}}}}}}});
  ASSERT_EQ(host.breaker("probe web")["state"], "closed");

  ASSERT_TRUE(eventually([&] { return host.breaker("probe web")["state"] == "open"; }, std::chrono::seconds(10)));
  // While open the endpoint gets a rest: checks are skipped, not sent.
  const size_t sent = endpoint.requestCount();
  json probe = host.probe("web");
  EXPECT_EQ(probe["status"], "down");
  EXPECT_EQ(probe["circuit"], "open");
  EXPECT_THAT(probe["message"].get<std::string>(), HasSubstr("circuit open"));
  EXPECT_THAT(probe["message"].get<std::string>(), HasSubstr("unexpected status 503"));
  EXPECT_TRUE(eventually([&] { return host.breaker("probe web")["rejected"].get<int>() > 0; }, std::chrono::seconds(5)));
  EXPECT_LE(endpoint.requestCount(), sent + 1);  // at most one half-open trial in the meantime
  EXPECT_EQ(host.health()["status"], "degraded");

  const std::string metrics = host.metrics();
  EXPECT_EQ(checkPrometheusText(metrics), "");
  EXPECT_THAT(metrics, HasSubstr("wno_circuit_breaker_transitions_total{breaker=\"probe web\",kind=\"probe\",to=\"open\"}"));
  EXPECT_THAT(metrics, ::testing::ContainsRegex("wno_circuit_breaker_state\\{breaker=\"probe web\",kind=\"probe\"\\} [12]"));

  endpoint.reply(testing::answer(200, "alive"));
  EXPECT_TRUE(eventually([&] {
    return host.breaker("probe web")["state"] == "closed" && host.probe("web")["status"] == "up";
  }, std::chrono::seconds(10))) << host.health().dump();
  EXPECT_FALSE(host.probe("web").contains("circuit"));
  EXPECT_THAT(host.metrics(), HasSubstr("wno_circuit_breaker_state{breaker=\"probe web\",kind=\"probe\"} 0"));
  EXPECT_THAT(host.metrics(),
              HasSubstr("wno_circuit_breaker_transitions_total{breaker=\"probe web\",kind=\"probe\",to=\"closed\"} 1"));
}

TEST(Breakers, PostgresBreakerFailsFastWith503AndRetryAfterThenRecovers) {
  PostgresServer pg;
  HealthHost host({{"plugins", {{"load", {{{"name", "postgres"}}}}}},
                   {"data",
                    {{"repositories",
                      {{{"name", "main"}, {"type", "postgres"},
                        {"config", {{"url", pg.url()}, {"pool_size", 2}, {"pool_wait_ms", 500}}},
                        {"breaker", {{"failure_threshold", 2}, {"open_ms", 3000}}}}}},
                     {"collections",
                      {{"things", {{"fields", {{"name", {{"type", "text"}}}}}, {"operations", {"list", "get", "create"}}}}}}}}});
  ASSERT_EQ(host.get("/api/v1/things").status, 200);
  ASSERT_EQ(host.breaker("repository main")["state"], "closed");

  // The throwaway server commits asynchronously and stops with -m immediate:
  // checkpoint first so the table outlives the outage.
  ASSERT_EQ(std::system(("/usr/lib/postgresql/15/bin/psql -q -h 127.0.0.1 -p " + std::to_string(pg.port()) +
                         " -U postgres -c CHECKPOINT postgres > /dev/null")
                            .c_str()),
            0);
  pg.stop();
  // The first failures reach the database and count against the circuit.
  int failures = 0;
  for (int i = 0; i < 10 && host.breaker("repository main")["state"] != "open"; ++i) {
    auto r = host.get("/api/v1/things");
    EXPECT_EQ(r.status, 503) << r.body;
    EXPECT_EQ(r.contentType, "application/problem+json");
    ++failures;
  }
  ASSERT_EQ(host.breaker("repository main")["state"], "open");
  EXPECT_LE(failures, 3);
  // Open: answered by the breaker, which knows how long it stays open.
  auto fast = host.get("/api/v1/things/1");
  EXPECT_EQ(fast.status, 503);
  EXPECT_GE(std::stoi(fast.header("Retry-After")), 2) << "the breaker's time left, not the default 1 s";
  EXPECT_GE(host.breaker("repository main")["rejected"].get<int>(), 1);
  EXPECT_EQ(host.health()["status"], "degraded");
  EXPECT_THAT(host.metrics(), HasSubstr("wno_circuit_breaker_state{breaker=\"repository main\",kind=\"repository\"} 1"));
  // /livez never depends on the database.
  EXPECT_EQ(host.get("/livez").status, 200);

  pg.start();
  EXPECT_TRUE(eventually([&] { return host.get("/api/v1/things").status == 200; }, std::chrono::seconds(20)));
  EXPECT_EQ(host.breaker("repository main")["state"], "closed");
  EXPECT_EQ(checkPrometheusText(host.metrics()), "");
}

}  // namespace
}  // namespace wno::test
