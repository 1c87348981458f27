// Built-in alerts (host/src/alerts): the hysteresis state machine, readings
// from a real metrics registry, webhook delivery with retries, backoff and a
// breaker against a real HTTP receiver on loopback, and deduplication across
// hosts through a real redis-server.
#include "alerts/alert_dedup.h"
#include "alerts/alert_notifier.h"
#include "alerts/alert_rule.h"
#include "alerts/alert_service.h"
#include "alerts/metric_readings.h"
#include "eventually.h"
#include "redis_server.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <mutex>
#include <thread>

namespace wno::host::alerts {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;

AlertRuleConfig rule(AlertKind kind, double above, double resolveBelow, int64_t forMs = 0) {
  AlertRuleConfig c;
  c.name = "r";
  c.kind = kind;
  c.above = above;
  c.resolveBelow = resolveBelow;
  c.forMs = forMs;
  c.minRequests = 10;
  c.windowMs = 60000;
  return c;
}

TEST(AlertRule, FiresAfterForAndResolvesBelowTheLowerThreshold) {
  AlertRule r(rule(AlertKind::LoadFactor, 0.9, 0.7, 2000));
  EXPECT_EQ(r.observe(0.95, 0), AlertTransition::None);     // pending
  EXPECT_EQ(r.observe(0.95, 1999), AlertTransition::None);
  EXPECT_EQ(r.observe(0.95, 2000), AlertTransition::Fired);
  EXPECT_TRUE(r.firing());
  EXPECT_EQ(r.observe(0.8, 3000), AlertTransition::None);   // between the thresholds: still firing
  EXPECT_EQ(r.observe(0.6, 4000), AlertTransition::None);   // resolving
  EXPECT_EQ(r.observe(0.8, 5000), AlertTransition::None);   // back above resolve_below: firing again
  EXPECT_EQ(r.observe(0.6, 6000), AlertTransition::None);
  EXPECT_EQ(r.observe(0.6, 8000), AlertTransition::Resolved);
  EXPECT_FALSE(r.firing());
}

TEST(AlertRule, ABlipShorterThanForNeverFires) {
  AlertRule r(rule(AlertKind::LoadFactor, 0.9, 0.9, 1000));
  EXPECT_EQ(r.observe(0.95, 0), AlertTransition::None);
  EXPECT_EQ(r.observe(0.5, 500), AlertTransition::None);
  EXPECT_EQ(r.observe(0.95, 1000), AlertTransition::None);
  EXPECT_EQ(r.observe(0.95, 1900), AlertTransition::None);
  EXPECT_EQ(r.observe(0.95, 2000), AlertTransition::Fired);
}

TEST(AlertRule, NoDataNeverFiresAndLetsAFiringAlertResolve) {
  AlertRule r(rule(AlertKind::Http5xxRatio, 0.05, 0.05));
  EXPECT_EQ(r.observe(NAN, 0), AlertTransition::None);
  EXPECT_EQ(r.observe(0.5, 1), AlertTransition::Fired);
  EXPECT_EQ(r.observe(NAN, 2), AlertTransition::Resolved);
}

TEST(AlertRule, ConfigErrorsNameThePointer) {
  std::vector<std::string> errors;
  alertRulesFrom(json::parse(R"([{"name": "a", "kind": "nope", "above": 1},
                                 {"name": "b", "kind": "load_factor", "above": 0.5, "resolve_below": 0.8},
                                 {"name": "b", "kind": "load_factor", "above": 0.5}])"),
                 errors);
  EXPECT_THAT(errors, ElementsAre("/alerts/rules/0/kind: unknown alert kind \"nope\"",
                                  ::testing::StartsWith("/alerts/rules/1/resolve_below: must not be above"),
                                  "/alerts/rules/2/name: \"b\" is used by another rule"));
}

// The host's series, registered as the host registers them.
struct FakeHostMetrics {
  Metrics metrics;
  prometheus::Family<prometheus::Counter>& requests =
      prometheus::BuildCounter().Name("wno_http_requests_total").Register(metrics.registry());
  prometheus::Family<prometheus::Histogram>& latency =
      prometheus::BuildHistogram().Name("wno_http_request_duration_seconds").Register(metrics.registry());
  prometheus::Family<prometheus::Gauge>& probeStatus =
      prometheus::BuildGauge().Name("wno_probe_status").Register(metrics.registry());
  prometheus::Family<prometheus::Gauge>& probeRequired =
      prometheus::BuildGauge().Name("wno_probe_required").Register(metrics.registry());
  prometheus::Family<prometheus::Gauge>& breakers =
      prometheus::BuildGauge().Name("wno_circuit_breaker_state").Register(metrics.registry());
  prometheus::Family<prometheus::Counter>& slow =
      prometheus::BuildCounter().Name("wno_repository_slow_queries_total").Register(metrics.registry());

  void answer(const std::string& route, int status, double seconds, int n) {
    auto& c = requests.Add({{"route", route}, {"method", "GET"}, {"status", std::to_string(status)}});
    auto& h = latency.Add({{"route", route}, {"method", "GET"}}, Metrics::latencyBuckets());
    for (int i = 0; i < n; ++i) {
      c.Increment();
      h.Observe(seconds);
    }
  }
  void probe(const std::string& name, int status, bool required) {
    probeStatus.Add({{"probe", name}}).Set(status);
    probeRequired.Add({{"probe", name}}).Set(required ? 1 : 0);
  }
  MetricSample sample(int64_t atMs) { return readSample(metrics.registry().Collect(), atMs); }
};

TEST(MetricReadings, RatiosAndRatesAreOverTheWindow) {
  FakeHostMetrics host;
  MetricReadings readings(60000);
  host.answer("GET /api/v1/{collection}", 200, 0.002, 1000);  // before the window
  readings.add(host.sample(0));
  host.answer("GET /api/v1/{collection}", 200, 0.002, 90);
  host.answer("GET /api/v1/{collection}", 503, 0.002, 10);
  host.answer("GET /readyz", 200, 0.0001, 500);  // 200s that a 5xx ratio counts, a latency does not
  host.slow.Add({{"repository", "main"}}).Increment(30);
  readings.add(host.sample(60000));
  EXPECT_NEAR(readings.value(rule(AlertKind::Http5xxRatio, 0, 0)), 10.0 / 600.0, 1e-9);
  EXPECT_NEAR(readings.value(rule(AlertKind::SlowQueriesPerMinute, 0, 0)), 30, 1e-9);
  const double p99 = readings.value(rule(AlertKind::HttpP99Ms, 0, 0));
  EXPECT_GT(p99, 1.0);  // the api's 2 ms, not the probes' 0.1 ms
  EXPECT_LE(p99, 2.5);
  auto few = rule(AlertKind::Http5xxRatio, 0, 0);
  few.minRequests = 10000;
  EXPECT_TRUE(std::isnan(readings.value(few)));
}

TEST(MetricReadings, CountsOpenBreakersAndRequiredProbesDown) {
  FakeHostMetrics host;
  host.probe("postgres", 2, true);
  host.probe("cpu", 2, false);  // down but not required: readiness does not depend on it
  host.probe("redis", 0, true);
  host.breakers.Add({{"breaker", "cache l2"}}).Set(1);
  host.breakers.Add({{"breaker", "repository main"}}).Set(2);  // half-open is not open
  MetricReadings readings(60000);
  readings.add(host.sample(0));
  const auto probes = rule(AlertKind::RequiredProbeDown, 0, 0);
  EXPECT_EQ(readings.value(probes), 1);
  EXPECT_THAT(readings.subjects(probes), ElementsAre("postgres"));
  const auto breakers = rule(AlertKind::BreakerOpen, 0, 0);
  EXPECT_EQ(readings.value(breakers), 1);
  EXPECT_THAT(readings.subjects(breakers), ElementsAre("cache l2"));
}

// A webhook receiver on loopback: answers `failFirst` requests with 500,
// then 200, and keeps every body.
class Receiver {
 public:
  explicit Receiver(int failFirst = 0) : failFirst_(failFirst), socket_(Poco::Net::SocketAddress("127.0.0.1", 0)) {
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), socket_, new Poco::Net::HTTPServerParams);
    server_->start();
  }
  ~Receiver() { server_->stop(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(socket_.address().port()) + "/hook"; }
  std::vector<json> events() {
    std::lock_guard lock(mutex_);
    return events_;
  }
  int requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  struct Handler : Poco::Net::HTTPRequestHandler {
    explicit Handler(Receiver& r) : r(r) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
      std::string body;
      Poco::StreamCopier::copyToString(request.stream(), body);
      bool fail;
      {
        std::lock_guard lock(r.mutex_);
        fail = r.requests_++ < r.failFirst_;
        if (!fail) r.events_.push_back(json::parse(body));
      }
      response.setStatus(fail ? Poco::Net::HTTPResponse::HTTP_INTERNAL_SERVER_ERROR : Poco::Net::HTTPResponse::HTTP_OK);
      response.setContentLength(0);
      response.send();
    }
    Receiver& r;
  };
  struct Factory : Poco::Net::HTTPRequestHandlerFactory {
    explicit Factory(Receiver& r) : r(r) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
      return new Handler(r);
    }
    Receiver& r;
  };
  int failFirst_;
  std::mutex mutex_;
  int requests_ = 0;
  std::vector<json> events_;
  Poco::Net::ServerSocket socket_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
};

WebhookConfig webhook(const std::string& url, int retries) {
  WebhookConfig w;
  w.name = "test";
  w.url = url;
  w.retries = retries;
  w.backoffMs = 5;
  w.timeoutMs = 2000;
  w.breaker.failureThreshold = 3;
  w.breaker.openFor = std::chrono::milliseconds(600000);
  return w;
}

TEST(AlertNotifier, RetriesWithBackoffUntilTheReceiverTakesIt) {
  Receiver receiver(/*failFirst=*/2);
  AlertNotifier notifier({webhook(receiver.url(), 3)});
  notifier.send({{"alert", "a"}, {"state", "firing"}});
  ASSERT_TRUE(test::eventually([&] { return notifier.delivered() == 1; }, std::chrono::seconds(10)));
  EXPECT_EQ(notifier.attempts(), 3u);
  EXPECT_EQ(receiver.requests(), 3);
  ASSERT_EQ(receiver.events().size(), 1u);
  EXPECT_EQ(receiver.events()[0]["alert"], "a");
}

TEST(AlertNotifier, ADeadReceiverOpensItsBreakerAndLaterEventsFailFast) {
  Poco::Net::ServerSocket closed(Poco::Net::SocketAddress("127.0.0.1", 0));
  const std::string url = "http://127.0.0.1:" + std::to_string(closed.address().port()) + "/hook";
  closed.close();  // connection refused from now on
  AlertNotifier notifier({webhook(url, 2)});
  notifier.send({{"alert", "a"}});
  ASSERT_TRUE(test::eventually([&] { return notifier.failed() == 1 && notifier.idle(); }, std::chrono::seconds(10)));
  EXPECT_EQ(notifier.attempts(), 3u);  // the first try and two retries, which open the breaker (threshold 3)
  notifier.send({{"alert", "b"}});
  notifier.send({{"alert", "c"}});
  ASSERT_TRUE(test::eventually([&] { return notifier.failed() == 3 && notifier.idle(); }, std::chrono::seconds(10)));
  EXPECT_EQ(notifier.attempts(), 3u);  // no connection tried while the breaker is open
}

TEST(AlertDedup, OneHostSendsFiringAndTheLastToResolveSendsResolved) {
  test::RedisServer redis;
  AlertDedup a(redis.url(), "a", std::chrono::seconds(30)), b(redis.url(), "b", std::chrono::seconds(30)),
      c(redis.url(), "c", std::chrono::seconds(30));
  EXPECT_EQ(a.claim("probe_down", AlertDedup::Op::Fire), true);
  EXPECT_EQ(b.claim("probe_down", AlertDedup::Op::Fire), false);
  EXPECT_EQ(c.claim("probe_down", AlertDedup::Op::Fire), false);
  EXPECT_EQ(a.claim("probe_down", AlertDedup::Op::Refresh), false);
  EXPECT_EQ(a.claim("probe_down", AlertDedup::Op::Resolve), false);
  EXPECT_EQ(c.claim("probe_down", AlertDedup::Op::Resolve), false);
  EXPECT_EQ(b.claim("probe_down", AlertDedup::Op::Resolve), true);
  // Rules are independent, and the next episode starts over.
  EXPECT_EQ(b.claim("other", AlertDedup::Op::Fire), true);
  EXPECT_EQ(c.claim("probe_down", AlertDedup::Op::Fire), true);
  redis.kill();
  EXPECT_EQ(a.claim("probe_down", AlertDedup::Op::Fire), std::nullopt);  // the caller sends its own
  redis.start();  // empty: the outage took every host's state with it
  EXPECT_EQ(a.claim("probe_down", AlertDedup::Op::Resolve), true);
  EXPECT_EQ(b.claim("probe_down", AlertDedup::Op::Resolve), true);  // a duplicate beats a lost "resolved"
}

TEST(AlertDedup, AHostThatStopsRefreshingStopsCounting) {
  test::RedisServer redis;
  // "dead" fires and then never refreshes (it crashed): after its ttl it no
  // longer counts, so the live host's resolve is the last one.
  AlertDedup dead(redis.url(), "dead", std::chrono::milliseconds(100));
  AlertDedup live(redis.url(), "live", std::chrono::seconds(30));
  EXPECT_EQ(dead.claim("r", AlertDedup::Op::Fire), true);
  EXPECT_EQ(live.claim("r", AlertDedup::Op::Fire), false);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(live.claim("r", AlertDedup::Op::Resolve), true);
}

AlertsConfig probeAlert(const std::string& url, const std::string& redisUrl = "") {
  AlertsConfig config;
  auto r = rule(AlertKind::RequiredProbeDown, 0, 0);
  r.name = "required_probe_down";
  config.rules = {r};
  config.webhooks = {webhook(url, 3)};
  config.dedupRedisUrl = redisUrl;
  return config;
}

TEST(AlertService, FiresAndResolvesToTheLogAndTheWebhook) {
  Receiver receiver;
  FakeHostMetrics host;
  AlertService service(probeAlert(receiver.url()), host.metrics, "h1");
  host.probe("postgres", 0, true);
  service.evaluate(0);
  host.probe("postgres", 2, true);
  service.evaluate(1000);
  host.probe("postgres", 0, true);
  service.evaluate(2000);
  ASSERT_TRUE(test::eventually([&] { return receiver.events().size() == 2; }, std::chrono::seconds(10)));
  const auto events = receiver.events();
  EXPECT_EQ(events[0]["alert"], "required_probe_down");
  EXPECT_EQ(events[0]["state"], "firing");
  EXPECT_EQ(events[0]["subjects"], json::array({"postgres"}));
  EXPECT_EQ(events[0]["host"], "h1");
  EXPECT_EQ(events[1]["state"], "resolved");
  EXPECT_THAT(host.metrics.serialize(), ::testing::HasSubstr("wno_alert_firing{alert=\"required_probe_down\",severity=\"page\"} 0"));
}

TEST(AlertService, ThreeHostsSeeingOneOutageSendOneEventPerTransition) {
  test::RedisServer redis;
  Receiver receiver;
  std::vector<std::unique_ptr<FakeHostMetrics>> hosts;
  std::vector<std::unique_ptr<AlertService>> services;
  for (int i = 0; i < 3; ++i) {
    hosts.push_back(std::make_unique<FakeHostMetrics>());
    services.push_back(std::make_unique<AlertService>(probeAlert(receiver.url(), redis.url()), hosts[i]->metrics,
                                                      "h" + std::to_string(i)));
  }
  for (int i = 0; i < 3; ++i) hosts[i]->probe("redis", 2, true);
  for (int i = 0; i < 3; ++i) services[i]->evaluate(1000);
  for (int i = 0; i < 3; ++i) hosts[i]->probe("redis", 0, true);
  for (int i = 0; i < 3; ++i) services[i]->evaluate(2000);
  ASSERT_TRUE(test::eventually([&] { return receiver.events().size() >= 2; }, std::chrono::seconds(10)));
  for (auto& s : services) EXPECT_TRUE(test::eventually([&] { return s->notifier().idle(); }));
  auto events = receiver.events();
  ASSERT_EQ(events.size(), 2u);
  // Each host's notifier posts on its own thread, so the receiver may get
  // the two in either order: what counts is who sent which.
  if (events[0]["state"] == "resolved") std::swap(events[0], events[1]);
  EXPECT_EQ(events[0]["state"], "firing");
  EXPECT_EQ(events[0]["host"], "h0");  // the first to fire
  EXPECT_EQ(events[1]["state"], "resolved");
  EXPECT_EQ(events[1]["host"], "h2");  // the last to resolve
}

}  // namespace
}  // namespace wno::host::alerts
