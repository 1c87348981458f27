// The send_notification handler through its C vtable: one row per job id
// (re-runs, racing runs), strict data, and the webhook against a real
// loopback HTTP server — delivered, signed, refused, failing, slow,
// unreachable — behind the circuit breaker and its gauge.
#include "fake_http_server.h"

#include <wno/sdk/testing.hpp>

#include <Poco/DigestEngine.h>
#include <Poco/HMACEngine.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/SHA2Engine.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace {

using ::testing::HasSubstr;
using nlohmann::json;
using wno::sdk::testing::FakeHost;
using wno::sdk::testing::handle;
using wno::sdk::testing::JobRun;
using wno::testing::answer;
using wno::testing::CannedReply;
using wno::testing::FakeHttpServer;

class SendNotificationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    host.repo.define("notifications");
    host.repo.define("users");
    userId = host.repo.insert("users", {{"username", "pepe"}})["id"];
  }

  wno::sdk::testing::Instance<wno_type_job_handler> handler(const json& config = json::object()) {
    return host.create<wno_type_job_handler>(WNO_KIND_JOB_HANDLER, "send_notification", config.dump());
  }
  json webhookConfig(const json& extra = json::object()) {
    json c = {{"webhook_url", server.url("/hooks/wno?src=test")}, {"timeout_ms", 2000}};
    c.update(extra);
    return c;
  }
  json data(const json& payload = {{"battle_id", 9}}) {
    return {{"user_id", userId}, {"type", "battle_won"}, {"data", payload}};
  }
  wno_status run(const wno::sdk::testing::Instance<wno_type_job_handler>& h, const std::string& jobId,
                 const json& d, json* result = nullptr) {
    JobRun job;
    job.id = jobId;
    job.type = "send_notification";
    job.dataJson = d.dump();
    std::string out;
    const wno_status s = handle(h, job, &out);
    if (result) *result = out.empty() ? json() : json::parse(out);
    return s;
  }
  std::vector<json> notifications() { return host.repo.rows("notifications"); }
  double breakerState() {
    return host.metric("wno_notification_webhook_breaker_state|target=127.0.0.1:" + std::to_string(server.port()));
  }

  FakeHost host;
  FakeHttpServer server;
  int64_t userId = 0;
};

TEST_F(SendNotificationTest, WritesOneRowCarryingTheJobId) {
  auto h = handler();
  json result;
  ASSERT_EQ(run(h, "job-a", data(), &result), WNO_OK) << host.lastError();
  const auto rows = notifications();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["user_id"], userId);
  EXPECT_EQ(rows[0]["type"], "battle_won");
  EXPECT_EQ(rows[0]["data"], (json{{"battle_id", 9}, {"_job_id", "job-a"}}));
  EXPECT_EQ(result, (json{{"notification_id", rows[0]["id"]}, {"created", true}, {"webhook", "none"}}));
  EXPECT_EQ(host.metric("wno_notifications_created_total"), 1);
}

TEST_F(SendNotificationTest, AReRunOfTheSameJobWritesNoSecondRow) {
  auto h = handler();
  json first, second;
  ASSERT_EQ(run(h, "job-a", data(), &first), WNO_OK);
  ASSERT_EQ(run(h, "job-a", data(), &second), WNO_OK);
  EXPECT_EQ(notifications().size(), 1u);
  EXPECT_EQ(second["notification_id"], first["notification_id"]);
  EXPECT_EQ(second["created"], false);
  EXPECT_EQ(host.metric("wno_notifications_reused_total"), 1);
  // Another job is another notification, even with the same content.
  ASSERT_EQ(run(h, "job-b", data()), WNO_OK);
  EXPECT_EQ(notifications().size(), 2u);
}

TEST_F(SendNotificationTest, TheDedupeScanPagesThroughManyRows) {
  auto h = handler();
  ASSERT_EQ(run(h, "job-old", data()), WNO_OK);
  // 250 later notifications of the same user and type: more than two pages.
  for (int i = 0; i < 250; ++i) {
    host.repo.insert("notifications", {{"user_id", userId}, {"type", "battle_won"}, {"data", {{"n", i}}}});
  }
  json result;
  ASSERT_EQ(run(h, "job-old", data(), &result), WNO_OK);
  EXPECT_EQ(result["created"], false);
  EXPECT_EQ(notifications().size(), 251u);
}

TEST_F(SendNotificationTest, RowsFromRacingRunsConvergeToTheLowestId) {
  auto h = handler();
  // Two runs of one job both wrote a row (say, two hosts after a lease lapse).
  const json d = {{"x", 1}, {"_job_id", "job-r"}};
  const int64_t a = host.repo.insert("notifications", {{"user_id", userId}, {"type", "battle_won"}, {"data", d}})["id"];
  host.repo.insert("notifications", {{"user_id", userId}, {"type", "battle_won"}, {"data", d}});
  json result;
  ASSERT_EQ(run(h, "job-r", data({{"x", 1}}), &result), WNO_OK);
  const auto rows = notifications();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["id"], a);
  EXPECT_EQ(result["notification_id"], a);
}

TEST_F(SendNotificationTest, ARunThatLosesTheCreateRaceDeletesItsRow) {
  auto h = handler();
  // Ids handed out out of order (a PostgreSQL sequence): the other run's row
  // gets id 2 but becomes visible only after ours (id 3) was written.
  host.repo.insert("notifications", {{"user_id", 999}, {"type", "other"}});
  const int64_t reserved = host.repo.insert("notifications", {{"user_id", 999}, {"type", "other"}})["id"];
  host.repo.erase("notifications", reserved);
  bool once = false;
  host.repo.afterCreate = [&](const std::string& collection, const json&) {
    if (once) return;
    once = true;
    host.repo.insert(collection, {{"id", reserved},
                                  {"user_id", userId},
                                  {"type", "battle_won"},
                                  {"data", {{"battle_id", 9}, {"_job_id", "job-z"}}}});
  };
  json result;
  ASSERT_EQ(run(h, "job-z", data(), &result), WNO_OK) << host.lastError();
  std::vector<int64_t> owned;
  for (const auto& r : notifications()) {
    if (r["user_id"] == userId) owned.push_back(r["id"]);
  }
  EXPECT_EQ(owned, std::vector<int64_t>{reserved});
  EXPECT_EQ(result["notification_id"], reserved);
  EXPECT_EQ(result["created"], false);
}

TEST_F(SendNotificationTest, BadDataFailsForGood) {
  auto h = handler();
  EXPECT_EQ(run(h, "j", {{"user_id", userId}}), WNO_ERR_INVALID);
  EXPECT_EQ(host.lastError(), "job data needs \"type\" (a non-empty string)");
  EXPECT_EQ(run(h, "j", {{"user_id", userId}, {"type", ""}}), WNO_ERR_INVALID);
  EXPECT_EQ(run(h, "j", {{"user_id", userId}, {"type", "t"}, {"data", "text"}}), WNO_ERR_INVALID);
  EXPECT_EQ(host.lastError(), "job data \"data\" must be an object, got string");
  EXPECT_EQ(run(h, "j", {{"user_id", userId}, {"type", "t"}, {"data", {{"_job_id", "spoof"}}}}), WNO_ERR_INVALID);
  EXPECT_THAT(host.lastError(), HasSubstr("reserved"));
  EXPECT_EQ(run(h, "j", {{"type", "t"}}), WNO_ERR_INVALID);
  EXPECT_EQ(notifications().size(), 0u);
  // No data at all is fine: the row still carries the job id.
  ASSERT_EQ(run(h, "j", {{"user_id", userId}, {"type", "t"}}), WNO_OK);
  EXPECT_EQ(notifications()[0]["data"], (json{{"_job_id", "j"}}));
}

TEST_F(SendNotificationTest, AnUnknownUserFailsForGoodUnlessVerificationIsOff) {
  auto h = handler();
  EXPECT_EQ(run(h, "j", {{"user_id", 4242}, {"type", "t"}}), WNO_ERR_INVALID);
  EXPECT_EQ(host.lastError(), "users 4242 does not exist");
  auto lax = handler({{"verify_user", false}});
  EXPECT_EQ(run(lax, "j", {{"user_id", 4242}, {"type", "t"}}), WNO_OK);
}

TEST_F(SendNotificationTest, RepositoryOutagesAreRetryable) {
  auto h = handler();
  host.repo.failNext("create", WNO_ERR_UNAVAILABLE, "database is locked");
  EXPECT_EQ(run(h, "j", data()), WNO_ERR_UNAVAILABLE);
  EXPECT_EQ(host.lastError(), "database is locked");
  EXPECT_EQ(run(h, "j", data()), WNO_OK);
  EXPECT_EQ(notifications().size(), 1u);
}

TEST_F(SendNotificationTest, ACancelledJobWritesNothing) {
  auto h = handler(webhookConfig());
  host.stopJob("job-c");
  EXPECT_EQ(run(h, "job-c", data()), WNO_ERR_CANCELLED);
  EXPECT_EQ(notifications().size(), 0u);
  EXPECT_EQ(server.requestCount(), 0u);
}

// A key Poco's HMACEngine can use for SHA-256 (it needs the sizes as constants).
struct Sha256 : Poco::SHA2Engine {
  enum { BLOCK_SIZE = 64, DIGEST_SIZE = 32 };
  Sha256() : Poco::SHA2Engine(SHA_256) {}
};

TEST_F(SendNotificationTest, TheWebhookGetsTheRowSignedWithIdempotencyHeaders) {
  auto h = handler(webhookConfig({{"webhook_secret", "s3cret"}, {"webhook_headers", {{"Authorization", "Bearer t"}}}}));
  json result;
  ASSERT_EQ(run(h, "job-w", data(), &result), WNO_OK) << host.lastError();
  EXPECT_EQ(result["webhook"], "delivered");
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& r = requests[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.uri, "/hooks/wno?src=test");
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_EQ(r.header("Idempotency-Key"), "job-w");
  EXPECT_EQ(r.header("Authorization"), "Bearer t");
  const json body = json::parse(r.body);
  EXPECT_EQ(body["event"], "notification.created");
  EXPECT_EQ(body["job_id"], "job-w");
  EXPECT_EQ(body["notification"], notifications()[0]);
  EXPECT_EQ(r.header("X-Wno-Notification-Id"), notifications()[0]["id"].dump());
  Poco::HMACEngine<Sha256> hmac("s3cret");
  hmac.update(r.header("X-Wno-Timestamp") + "." + r.body);
  EXPECT_EQ(r.header("X-Wno-Signature"), "sha256=" + Poco::DigestEngine::digestToHex(hmac.digest()));
  EXPECT_EQ(host.metric("wno_notification_webhook_total|outcome=delivered|target=127.0.0.1:" +
                        std::to_string(server.port())),
            1);
}

TEST_F(SendNotificationTest, AFailedWebhookIsRetriedWithoutASecondRow) {
  auto h = handler(webhookConfig());
  server.reply(answer(503, R"({"error":"busy"})"));
  ASSERT_EQ(run(h, "job-f", data()), WNO_ERR_UNAVAILABLE);
  EXPECT_THAT(host.lastError(), HasSubstr("answered HTTP 503"));
  EXPECT_EQ(notifications().size(), 1u);  // the row is written before the call

  server.reply(answer(204, ""));
  json result;
  ASSERT_EQ(run(h, "job-f", data(), &result), WNO_OK) << host.lastError();
  EXPECT_EQ(result["created"], false);
  EXPECT_EQ(result["webhook"], "delivered");
  EXPECT_EQ(notifications().size(), 1u);
  ASSERT_EQ(server.requestCount(), 2u);
  // Both calls name the same job, so the receiver can drop a duplicate.
  EXPECT_EQ(server.requests()[0].header("Idempotency-Key"), server.requests()[1].header("Idempotency-Key"));
}

TEST_F(SendNotificationTest, RateLimitsAreRetryableAndQuoteRetryAfter) {
  auto h = handler(webhookConfig());
  CannedReply limited = answer(429, "{}");
  limited.headers["Retry-After"] = "7";
  server.reply(limited);
  EXPECT_EQ(run(h, "j", data()), WNO_ERR_UNAVAILABLE);
  EXPECT_THAT(host.lastError(), HasSubstr("HTTP 429"));
  EXPECT_THAT(host.lastError(), HasSubstr("Retry-After: 7"));
}

TEST_F(SendNotificationTest, AWebhookThatRefusesThePayloadFailsForGood) {
  auto h = handler(webhookConfig({{"breaker", {{"failure_threshold", 1}, {"open_ms", 60000}}}}));
  server.reply(answer(422, R"({"error":"unknown type"})"));
  EXPECT_EQ(run(h, "j", data()), WNO_ERR_INVALID);
  EXPECT_THAT(host.lastError(), HasSubstr("answered HTTP 422"));
  EXPECT_THAT(host.lastError(), HasSubstr("retrying will not help"));
  // The endpoint answered: that is not an outage, the circuit stays closed.
  EXPECT_EQ(breakerState(), 0);
  server.reply(answer(200, "{}"));
  EXPECT_EQ(run(h, "k", data()), WNO_OK);
}

TEST_F(SendNotificationTest, ASlowWebhookTimesOut) {
  auto h = handler(webhookConfig({{"timeout_ms", 150}}));
  server.reply(answer(200, "{}", 5000));
  EXPECT_EQ(run(h, "j", data()), WNO_ERR_TIMEOUT);
  EXPECT_THAT(host.lastError(), HasSubstr("timed out after 150 ms"));
}

TEST_F(SendNotificationTest, TheJobDeadlineCutsTheWebhookTimeout) {
  auto h = handler(webhookConfig({{"timeout_ms", 60000}}));
  server.reply(answer(200, "{}", 5000));
  JobRun job;
  job.id = "job-d";
  job.dataJson = data().dump();
  job.deadlineMs = host.api()->now_ms() + 300;
  EXPECT_EQ(handle(h, job), WNO_ERR_TIMEOUT);
  job.deadlineMs = host.api()->now_ms() - 1;  // already past: no call at all
  const size_t calls = server.requestCount();
  EXPECT_EQ(handle(h, job), WNO_ERR_TIMEOUT);
  EXPECT_EQ(server.requestCount(), calls);
}

TEST_F(SendNotificationTest, AnUnreachableWebhookIsRetryable) {
  auto h = handler({{"webhook_url", "http://127.0.0.1:" + std::to_string(wno::testing::closedPort()) + "/x"},
                    {"timeout_ms", 2000}});
  EXPECT_EQ(run(h, "j", data()), WNO_ERR_UNAVAILABLE);
  EXPECT_THAT(host.lastError(), HasSubstr("connection refused"));
}

TEST_F(SendNotificationTest, HttpsToAPlainServerFailsTheHandshakeRetryably) {
  // A plain HTTP server answers the ClientHello with a 400 and hangs up, as
  // nginx does. (Poco's HTTPServer is not used here: whether its parser
  // rejects the hello or waits for more bytes depends on the hello's random
  // bytes, so the client would sometimes time out instead.)
  Poco::Net::ServerSocket plain(Poco::Net::SocketAddress("127.0.0.1", 0));
  std::thread answerer([&plain] {
    try {
      if (!plain.poll(Poco::Timespan(10, 0), Poco::Net::Socket::SELECT_READ)) return;  // the test fails on its own
      Poco::Net::StreamSocket client = plain.acceptConnection();
      char hello[4096];
      client.setReceiveTimeout(Poco::Timespan(5, 0));
      client.receiveBytes(hello, sizeof hello);
      const std::string reply = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      client.sendBytes(reply.data(), static_cast<int>(reply.size()));
      client.shutdown();
    } catch (const Poco::Exception&) {
      // The assertions below say what the client saw.
    }
  });
  auto h = handler({{"webhook_url", "https://127.0.0.1:" + std::to_string(plain.address().port()) + "/x"},
                    {"timeout_ms", 2000}});
  EXPECT_EQ(run(h, "j", data()), WNO_ERR_UNAVAILABLE);
  EXPECT_THAT(host.lastError(), HasSubstr("TLS failed")) << host.lastError();
  answerer.join();
}

TEST_F(SendNotificationTest, TheBreakerOpensShortCircuitsAndRecovers) {
  auto h = handler(webhookConfig({{"breaker", {{"failure_threshold", 2}, {"open_ms", 200}}}}));
  EXPECT_EQ(breakerState(), 0);
  server.reply(answer(500, "{}"));
  EXPECT_EQ(run(h, "j1", data()), WNO_ERR_UNAVAILABLE);
  EXPECT_EQ(breakerState(), 0);
  EXPECT_EQ(run(h, "j2", data()), WNO_ERR_UNAVAILABLE);
  EXPECT_EQ(breakerState(), 1);  // open

  // Open: no call leaves the plugin, and the message says why.
  server.reply(answer(200, "{}"));
  EXPECT_EQ(run(h, "j3", data()), WNO_ERR_UNAVAILABLE);
  EXPECT_THAT(host.lastError(), HasSubstr("circuit breaker is open after 2 consecutive failures"));
  EXPECT_THAT(host.lastError(), HasSubstr("the notification row exists"));
  EXPECT_EQ(server.requestCount(), 2u);
  EXPECT_EQ(host.metric("wno_notification_webhook_total|outcome=short_circuited|target=127.0.0.1:" +
                        std::to_string(server.port())),
            1);

  // After open_ms one trial goes through; its success closes the circuit.
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  json result;
  ASSERT_EQ(run(h, "j3", data(), &result), WNO_OK) << host.lastError();
  EXPECT_EQ(result["webhook"], "delivered");
  EXPECT_EQ(breakerState(), 0);
  EXPECT_EQ(server.requestCount(), 3u);
  EXPECT_EQ(notifications().size(), 3u);  // j1, j2, j3: one each, despite the retries
}

TEST_F(SendNotificationTest, ConcurrentJobsShareOneBreakerSafely) {
  auto h = handler(webhookConfig());
  server.reply(answer(200, "{}"));
  std::vector<std::thread> workers;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        JobRun job;
        job.id = "job-" + std::to_string(t) + "-" + std::to_string(i);
        job.dataJson = data().dump();
        if (handle(h, job) == WNO_OK) ++ok;
      }
    });
  }
  for (auto& w : workers) w.join();
  EXPECT_EQ(ok.load(), 20);
  EXPECT_EQ(notifications().size(), 20u);
  EXPECT_EQ(server.requestCount(), 20u);
}

TEST_F(SendNotificationTest, BadConfigIsRefusedAtCreate) {
  auto refused = [&](const json& config) {
    try {
      handler(config);
    } catch (const wno::sdk::Error& e) {
      EXPECT_EQ(e.status(), WNO_ERR_INVALID);
      return std::string(e.what());
    }
    return std::string("(created)");
  };
  EXPECT_THAT(refused({{"webhook", "http://x"}}), HasSubstr("unknown config key \"webhook\""));
  EXPECT_THAT(refused({{"webhook_url", "ftp://example.com"}}), HasSubstr("webhook_url: \"ftp://example.com\": expected an http"));
  EXPECT_THAT(refused({{"webhook_url", 5}}), HasSubstr("webhook_url: expected an http"));
  EXPECT_THAT(refused({{"timeout_ms", 100}}), HasSubstr("timeout_ms is set but webhook_url is not"));
  EXPECT_THAT(refused(webhookConfig({{"timeout_ms", 0}})), HasSubstr("timeout_ms: expected an integer from 1"));
  EXPECT_THAT(refused(webhookConfig({{"breaker", {{"threshold", 3}}}})), HasSubstr("unknown config key \"breaker.threshold\""));
  EXPECT_THAT(refused(webhookConfig({{"breaker", {{"open_ms", -1}}}})), HasSubstr("breaker.open_ms"));
  EXPECT_THAT(refused(webhookConfig({{"webhook_headers", {{"X", 1}}}})), HasSubstr("webhook_headers.X"));
  EXPECT_THAT(refused({{"dedupe_window_ms", 5}}), HasSubstr("dedupe_window_ms"));
  EXPECT_EQ(refused({{"webhook_url", ""}}), "(created)");  // empty: no webhook
}

}  // namespace
