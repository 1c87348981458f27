// The four platform job handlers end to end: a real wno-host process per
// test, run on the shipped config/default.json (its six collections, queues,
// handler bindings and the contents domain event) with only paths, ports,
// secrets, the poll interval and the handlers' remote endpoints overridden.
// A fake Solana JSON-RPC node and a fake webhook receiver (FakeHttpServer)
// stand on loopback. Everything is observed over HTTP: the jobs API, the
// collections, the stats route and /metrics.
#include "common/hmac_sha256.h"
#include "eventually.h"
#include "fake_http_server.h"
#include "process_runner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <thread>

namespace wno::test {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using wno::testing::CannedReply;
using wno::testing::FakeHttpServer;
using wno::testing::RecordedRequest;
using Clock = std::chrono::steady_clock;

// Valid base58 public keys (32 bytes each): a wallet, the platform token's
// mint (USDC's, any real mint does) and another mint.
constexpr const char* kWallet = "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM";
constexpr const char* kMint = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v";
constexpr const char* kOtherMint = "So11111111111111111111111111111111111111112";

// Hosts are separate processes on a loaded machine: allow them time.
constexpr std::chrono::seconds kHostWait{20};

struct Reply {
  int status = 0;
  json body;
  std::string location;
};

// A sample's value from Prometheus text: the first `name{...}` line whose
// labels include every one given; -1 when there is none.
double sample(const std::string& text, const std::string& name, const std::map<std::string, std::string>& labels = {}) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (line.compare(0, name.size(), name) != 0) continue;
    const char next = line.size() > name.size() ? line[name.size()] : '\0';
    if (next != '{' && next != ' ') continue;
    const auto space = line.rfind(' ');
    const std::string head = line.substr(0, space);
    bool all = true;
    for (const auto& [k, v] : labels) all = all && head.find(k + "=\"" + v + "\"") != std::string::npos;
    if (all) return std::stod(line.substr(space + 1));
  }
  return -1;
}

class HandlersE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    static int n = 0;
    dir_ = std::filesystem::temp_directory_path() /
           ("wno-handlers-e2e-" + std::to_string(::getpid()) + "-" + std::to_string(++n));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    // Every host ends with a clean SIGTERM shutdown (no job left running,
    // plugins unloaded); a sanitizer build reports through the exit code and
    // stderr. Hosts a test killed on purpose are only reaped.
    for (auto& [name, child] : hosts_) {
      if (killed_.count(name)) continue;
      child->signal(SIGTERM);
      const int code = child->wait(std::chrono::seconds(30));
      const std::string err = child->err();
      EXPECT_EQ(code, 0) << name << ": " << err;
      for (const char* report : {"AddressSanitizer", "LeakSanitizer", "runtime error:"}) {
        EXPECT_EQ(err.find(report), std::string::npos) << name << ": " << err;
      }
    }
    hosts_.clear();
    host_ = nullptr;
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // The shipped default config, made to run in this test's directory on a
  // free port. The load factor is pinned at 0: the default and low queues
  // pause under load, and a busy test machine must not stall them.
  json platformConfig(int port) const {
    std::ifstream in(std::string(WNO_TEST_SOURCE_DIR) + "/config/default.json");
    json c = json::parse(in);
    const std::string dir = dir_.string();
    c["http"]["port"] = port;
    c["http"]["access_log"] = false;
    c["log"]["level"] = "warn";
    c["admin"]["api_key"] = "e2e-admin-key";
    c["plugins"]["directories"] = {WNO_TEST_PLUGIN_DIR};
    c["data"]["repositories"][0]["config"]["path"] = dir + "/wno.db";
    c["data"]["cursor_secret"] = "e2e-cursor-secret";
    c["jobs"]["store"]["config"]["path"] = dir + "/jobs.db";
    c["jobs"]["poll_ms"] = 20;
    for (auto& probe : c["health"]["probes"]) {
      if (probe["type"] == "disk") probe["config"]["path"] = dir;
      if (probe["type"] == "sqlite") probe["config"]["path"] = dir + "/wno.db";
    }
    c["load_factor"]["fixed"] = 0.0;
    return c;
  }

  static json& handlerEntry(json& config, const std::string& type) {
    for (auto& h : config["jobs"]["handlers"]) {
      if (h["type"] == type) return h;
    }
    throw std::runtime_error("config/default.json binds no handler for job type " + type);
  }

  // Starts a host named `name` on the platform config after `customize`
  // (all hosts of a test share its data and job files); waits for /readyz
  // and returns its port.
  int launch(const std::string& name, const std::function<void(json&)>& customize = {}) {
    const int port = freePort();
    json c = platformConfig(port);
    c["jobs"]["worker_id"] = name;
    if (customize) customize(c);
    const std::string file = (dir_ / ("config-" + name + ".json")).string();
    std::ofstream(file) << c.dump(2);
    hosts_[name] = startReadyHost(file, port);
    return port;
  }
  // Starts the test's host; the helpers below talk to it.
  void start(const std::function<void(json&)>& customize = {}) { use("main", launch("main", customize)); }
  void use(const std::string& name, int port) {
    host_ = hosts_.at(name).get();
    port_ = port;
  }
  void kill9(const std::string& name) {
    hosts_.at(name)->signal(SIGKILL);
    hosts_.at(name)->wait(std::chrono::seconds(10));
    killed_.insert(name);
  }

  Reply call(const std::string& method, const std::string& path, const json& body = nullptr) const {
    auto r = httpRequest(port_, method, path, body.is_null() ? "" : body.dump());
    return {r.status, json::parse(r.body, nullptr, false), r.header("Location")};
  }
  json get(const std::string& path) const { return call("GET", path).body; }
  json create(const std::string& collection, const json& row) const {
    Reply r = call("POST", "/api/v1/" + collection, row);
    if (r.status != 201) throw std::runtime_error("POST /api/v1/" + collection + ": " + std::to_string(r.status) + " " + r.body.dump());
    return r.body;
  }
  int64_t createUser(const std::string& username) const { return create("users", {{"username", username}})["id"]; }
  std::string enqueue(const json& request, int expectStatus = 201) const {
    Reply r = call("POST", "/api/v1/jobs", request);
    EXPECT_EQ(r.status, expectStatus) << r.body.dump();
    return r.body.value("id", "");
  }
  // Waits until the job is completed, failed or cancelled; returns it.
  json finished(const std::string& id) const {
    json job;
    const bool done = eventually([&] {
      job = get("/api/v1/jobs/" + id);
      const std::string state = job.value("state", "");
      return state == "completed" || state == "failed" || state == "cancelled";
    }, kHostWait);
    EXPECT_TRUE(done) << "job " << id << " did not finish: " << job.dump() << "\n" << host_->err();
    return job;
  }
  std::string metrics() const { return httpRequest(port_, "GET", "/metrics").body; }

  std::filesystem::path dir_;
  int port_ = 0;
  ChildProcess* host_ = nullptr;  // the one the helpers talk to
  std::map<std::string, std::unique_ptr<ChildProcess>> hosts_;
  std::set<std::string> killed_;
};

// ---------------------------------------------------------------- process_content

TEST_F(HandlersE2e, ProcessContentModeratesEveryNewContentsRowThroughTheDomainEvent) {
  start([](json& c) { handlerEntry(c, "process_content")["config"] = {{"banned_words", {"rug pull"}}}; });
  const int64_t user = createUser("moderated");

  const json clean = create("contents", {{"user_id", user}, {"kind", "text"},
                                         {"body", "  gm   frens \r\n\r\n\r\n\r\nwagmi\t\xE2\x80\x8B "}});
  const json banned = create("contents", {{"user_id", user}, {"kind", "text"},
                                          {"body", "Total Rug \t PULL incoming, sell now"}});
  const json image = create("contents", {{"user_id", user}, {"kind", "image"}, {"body", "look at my cat"}});
  // Read each row once while it may still be pending: the entity cache must
  // not keep serving that copy after the handler's update.
  for (const json* row : {&clean, &banned, &image}) {
    EXPECT_EQ(call("GET", "/api/v1/contents/" + (*row)["id"].dump()).status, 200);
  }

  auto jobOf = [](const json& row) { return "process_content:contents:" + row["id"].dump() + ":create"; };
  const json cleanJob = finished(jobOf(clean));
  EXPECT_EQ(cleanJob["state"], "completed") << cleanJob.dump();
  EXPECT_EQ(cleanJob["type"], "process_content");
  EXPECT_EQ(cleanJob["queue"], "default");
  EXPECT_EQ(cleanJob["data"], json({{"content_id", clean["id"]}}));
  EXPECT_EQ(cleanJob["result"]["status"], "processed");
  EXPECT_EQ(cleanJob["result"]["changed"], true);
  EXPECT_EQ(cleanJob["result"]["length"], 15);

  json row = get("/api/v1/contents/" + clean["id"].dump());
  EXPECT_EQ(row["status"], "processed") << row.dump();
  EXPECT_EQ(row["body"], "gm frens\n\nwagmi");
  EXPECT_TRUE(row["processed_at"].is_string()) << row.dump();
  EXPECT_EQ(row["version"], 2);

  const json bannedJob = finished(jobOf(banned));
  EXPECT_EQ(bannedJob["state"], "completed") << bannedJob.dump();
  EXPECT_EQ(bannedJob["result"]["status"], "rejected");
  EXPECT_EQ(bannedJob["result"]["reason"], "banned word \"rug pull\"");
  row = get("/api/v1/contents/" + banned["id"].dump());
  EXPECT_EQ(row["status"], "rejected") << row.dump();
  EXPECT_EQ(row["body"], banned["body"]);  // rejected bodies are kept as written
  EXPECT_TRUE(row["processed_at"].is_string());

  const json imageJob = finished(jobOf(image));
  EXPECT_EQ(imageJob["state"], "completed") << imageJob.dump();
  EXPECT_EQ(imageJob["result"]["status"], "rejected");
  EXPECT_THAT(imageJob["result"].value("reason", ""), HasSubstr("kind \"image\" needs a single URL"));
  row = get("/api/v1/contents/" + image["id"].dump());
  EXPECT_EQ(row["status"], "rejected") << row.dump();
  EXPECT_EQ(row["body"], "look at my cat");

  // An image with an https URL passes.
  const json url = create("contents", {{"user_id", user}, {"kind", "image"}, {"body", " https://cdn.example.com/cat.png\n"}});
  EXPECT_EQ(finished(jobOf(url))["result"]["status"], "processed");
  EXPECT_EQ(get("/api/v1/contents/" + url["id"].dump())["body"], "https://cdn.example.com/cat.png");

  // The event's job id makes a second enqueue answer the finished job.
  Reply again = call("POST", "/api/v1/jobs",
                     {{"type", "process_content"}, {"job_id", jobOf(clean)}, {"data", {{"content_id", clean["id"]}}}});
  EXPECT_EQ(again.status, 200) << again.body.dump();
  EXPECT_EQ(again.body["state"], "completed");
  EXPECT_EQ(again.location, "/api/v1/jobs/" + jobOf(clean));
  EXPECT_EQ(get("/api/v1/jobs/" + jobOf(clean))["attempts_made"], 1);

  // Another job for a moderated row leaves it alone.
  const json rerun = finished(enqueue({{"type", "process_content"}, {"data", {{"content_id", clean["id"].dump()}}}}));
  EXPECT_EQ(rerun["state"], "completed") << rerun.dump();
  EXPECT_EQ(rerun["result"], json({{"content_id", clean["id"]}, {"status", "processed"}, {"changed", false}}));
  EXPECT_EQ(get("/api/v1/contents/" + clean["id"].dump())["version"], 2);

  // A row that does not exist is bad data: failed after one attempt.
  const json missing = finished(enqueue({{"type", "process_content"}, {"data", {{"content_id", 987654}}}}));
  EXPECT_EQ(missing["state"], "failed") << missing.dump();
  EXPECT_EQ(missing["attempts_made"], 1);
  EXPECT_THAT(missing.value("last_error", ""), HasSubstr("contents 987654 does not exist"));

  // The collection lists by status agree with the rows.
  EXPECT_EQ(get("/api/v1/contents?status=rejected&user_id=" + std::to_string(user))["data"].size(), 2u);
  EXPECT_EQ(get("/api/v1/contents?status=processed&user_id=" + std::to_string(user))["data"].size(), 2u);
  EXPECT_EQ(get("/api/v1/contents?status=pending")["data"].size(), 0u);

  const std::string m = metrics();
  EXPECT_EQ(sample(m, "wno_content_moderation_total", {{"outcome", "processed"}}), 2) << m;
  EXPECT_EQ(sample(m, "wno_content_moderation_total", {{"outcome", "rejected"}}), 2);
  EXPECT_EQ(sample(m, "wno_content_moderation_total", {{"outcome", "unchanged"}}), 1);
  EXPECT_EQ(sample(m, "wno_jobs_enqueued_total", {{"type", "process_content"}, {"created", "true"}}), 6);
}

TEST_F(HandlersE2e, ProcessContentModeratesABulkCreateRowByRow) {
  start([](json& c) { handlerEntry(c, "process_content")["config"] = {{"banned_words", {"rug pull"}}}; });
  const int64_t user = createUser("bulk");
  json rows = json::array();
  for (int i = 0; i < 40; ++i) {
    rows.push_back({{"user_id", user}, {"kind", "text"},
                    {"body", i % 4 == 0 ? "a rug pull, #" + std::to_string(i) : "  post   #" + std::to_string(i) + "  "}});
  }
  Reply created = call("POST", "/api/v1/contents/bulk", rows);
  ASSERT_EQ(created.status, 201) << created.body.dump();
  ASSERT_EQ(created.body["ids"].size(), 40u);
  for (size_t i = 0; i < 40; ++i) {
    const std::string id = created.body["ids"][i].dump();
    const json job = finished("process_content:contents:" + id + ":create");
    ASSERT_EQ(job["state"], "completed") << job.dump();
    const json row = get("/api/v1/contents/" + id);
    if (i % 4 == 0) {
      EXPECT_EQ(row["status"], "rejected") << row.dump();
    } else {
      EXPECT_EQ(row["status"], "processed") << row.dump();
      EXPECT_EQ(row["body"], "post #" + std::to_string(i));
    }
  }
  EXPECT_EQ(get("/api/v1/contents?status=rejected&limit=100")["data"].size(), 10u);
  EXPECT_EQ(get("/api/v1/contents?status=processed&limit=100")["data"].size(), 30u);
}

TEST_F(HandlersE2e, AHandlerThatRefusesItsConfigStopsTheHostNamingTheKey) {
  const int port = freePort();
  json c = platformConfig(port);
  handlerEntry(c, "process_content")["config"] = {{"banned_patterns", {"(unclosed"}}};
  handlerEntry(c, "verify_token_holdings")["config"] = {{"rpc_url", "http://127.0.0.1:1/"}, {"token_mint", "not-a-mint"}};
  RunResult r = runHost({"--config", writeTempFile("handlers-bad-config.json", c.dump())});
  EXPECT_NE(r.exitCode, 0);
  EXPECT_THAT(r.err + r.out, HasSubstr("/jobs/handlers/0/config"));
  EXPECT_THAT(r.err + r.out, HasSubstr("banned_patterns[0]"));

  handlerEntry(c, "process_content").erase("config");
  r = runHost({"--config", writeTempFile("handlers-bad-config.json", c.dump())});
  EXPECT_NE(r.exitCode, 0);
  EXPECT_THAT(r.err + r.out, HasSubstr("/jobs/handlers/2/config"));
  EXPECT_THAT(r.err + r.out, HasSubstr("token_mint"));
}

// ---------------------------------------------------------------- send_notification

// The webhook receiver: answers 500 while `failures` > 0 (counting down),
// or always with `status` once set; records when each call arrived.
struct Receiver {
  std::atomic<int> failures{0};
  std::atomic<int> status{200};
  std::mutex mutex;
  std::vector<Clock::time_point> arrivals;
  FakeHttpServer server;

  Receiver() {
    server.setHandler([this](const RecordedRequest&) {
      {
        std::lock_guard lock(mutex);
        arrivals.push_back(Clock::now());
      }
      int left = failures.load();
      while (left > 0 && !failures.compare_exchange_weak(left, left - 1)) {
      }
      if (left > 0) return wno::testing::answer(500, R"({"error":"receiver down"})");
      return wno::testing::answer(status.load(), R"({"ok":true})");
    });
  }
  std::vector<Clock::time_point> times() {
    std::lock_guard lock(mutex);
    return arrivals;
  }
};

TEST_F(HandlersE2e, SendNotificationWritesOneRowPerJobAndDeliversTheWebhook) {
  Receiver receiver;
  start([&](json& c) {
    json& h = handlerEntry(c, "send_notification");
    h["config"] = {{"webhook_url", receiver.server.url("/hooks/wno?source=e2e")},
                   {"webhook_secret", "e2e-hook-secret"},
                   {"webhook_headers", {{"Authorization", "Bearer e2e-hook-token"}}},
                   {"timeout_ms", 5000},
                   {"breaker", {{"failure_threshold", 3}, {"open_ms", 2000}}}};
    h["backoff"] = {{"type", "exponential"}, {"delay_ms", 100}, {"jitter", 0}};
  });
  const int64_t user = createUser("notified");
  const std::string rowsOfUser = "/api/v1/notifications?user_id=" + std::to_string(user) + "&limit=100";
  // Cache the empty list page: the handler's create must invalidate it.
  EXPECT_EQ(get(rowsOfUser)["data"].size(), 0u);
  auto rowsOf = [&](const std::string& jobId) {
    std::vector<json> rows;
    const json page = get(rowsOfUser);
    for (const auto& r : page["data"]) {
      if (r["data"].value("_job_id", "") == jobId) rows.push_back(r);
    }
    return rows;
  };

  // Delivered at the first attempt.
  const std::string won = enqueue({{"type", "send_notification"}, {"job_id", "battle-won:1"},
                                   {"data", {{"user_id", user}, {"type", "battle_won"}, {"data", {{"battle_id", 3}}}}}});
  json job = finished(won);
  ASSERT_EQ(job["state"], "completed") << job.dump();
  EXPECT_EQ(job["queue"], "critical");
  EXPECT_EQ(job["attempts_made"], 1);
  EXPECT_EQ(job["result"]["created"], true);
  EXPECT_EQ(job["result"]["webhook"], "delivered");
  auto rows = rowsOf(won);
  ASSERT_EQ(rows.size(), 1u) << get(rowsOfUser).dump();
  EXPECT_EQ(rows[0]["id"], job["result"]["notification_id"]);
  EXPECT_EQ(rows[0]["type"], "battle_won");
  EXPECT_EQ(rows[0]["data"]["battle_id"], 3);
  EXPECT_EQ(get("/api/v1/notifications/" + rows[0]["id"].dump())["user_id"], user);

  auto requests = receiver.server.requests();
  ASSERT_EQ(requests.size(), 1u);
  const RecordedRequest& hook = requests[0];
  EXPECT_EQ(hook.method, "POST");
  EXPECT_EQ(hook.uri, "/hooks/wno?source=e2e");
  EXPECT_EQ(hook.header("Idempotency-Key"), won);
  EXPECT_EQ(hook.header("X-Wno-Event"), "notification.created");
  EXPECT_EQ(hook.header("X-Wno-Notification-Id"), rows[0]["id"].dump());
  EXPECT_EQ(hook.header("Authorization"), "Bearer e2e-hook-token");
  EXPECT_THAT(hook.header("Content-Type"), HasSubstr("application/json"));
  EXPECT_EQ(hook.header("X-Wno-Signature"),
            "sha256=" + wno::common::hmacSha256Hex("e2e-hook-secret", hook.header("X-Wno-Timestamp") + "." + hook.body));
  const json payload = json::parse(hook.body);
  EXPECT_EQ(payload["event"], "notification.created");
  EXPECT_EQ(payload["job_id"], won);
  EXPECT_EQ(payload["notification"], rows[0]);

  // The receiver fails twice: the job retries with exponential backoff
  // (100 ms, then 200 ms), and every attempt posts the one row it wrote.
  receiver.failures = 2;
  const std::string retried = enqueue({{"type", "send_notification"}, {"job_id", "battle-won:2"},
                                       {"data", {{"user_id", user}, {"type", "battle_won"}}}});
  job = finished(retried);
  ASSERT_EQ(job["state"], "completed") << job.dump();
  EXPECT_EQ(job["attempts_made"], 3);
  EXPECT_EQ(job["result"]["created"], false);  // the third run found the row of the first
  EXPECT_EQ(job["result"]["webhook"], "delivered");
  rows = rowsOf(retried);
  ASSERT_EQ(rows.size(), 1u) << get(rowsOfUser).dump();
  EXPECT_EQ(job["result"]["notification_id"], rows[0]["id"]);
  requests = receiver.server.requests();
  ASSERT_EQ(requests.size(), 4u);
  for (size_t i = 1; i < 4; ++i) {
    EXPECT_EQ(requests[i].header("Idempotency-Key"), retried);
    EXPECT_EQ(requests[i].header("X-Wno-Notification-Id"), rows[0]["id"].dump());
  }
  const auto arrived = receiver.times();
  ASSERT_EQ(arrived.size(), 4u);
  // Lower bounds only: a retry never comes before its backoff.
  EXPECT_GE(arrived[2] - arrived[1], std::chrono::milliseconds(95));
  EXPECT_GE(arrived[3] - arrived[2], std::chrono::milliseconds(195));

  // The receiver stays down: three failures in a row open the circuit, and
  // the remaining attempts fail fast without calling it.
  receiver.failures = 1000;
  const std::string broken = enqueue({{"type", "send_notification"}, {"job_id", "battle-won:3"},
                                      {"backoff", {{"type", "fixed"}, {"delay_ms", 50}}},
                                      {"data", {{"user_id", user}, {"type", "battle_won"}}}});
  job = finished(broken);
  ASSERT_EQ(job["state"], "failed") << job.dump();
  EXPECT_EQ(job["attempts_made"], 5);
  EXPECT_THAT(job.value("last_error", ""), HasSubstr("circuit breaker is open after 3 consecutive failures"));
  EXPECT_THAT(job.value("last_error", ""), HasSubstr("the notification row exists"));
  EXPECT_EQ(receiver.server.requestCount(), 7u);
  EXPECT_EQ(rowsOf(broken).size(), 1u);
  const std::string target = "127.0.0.1:" + std::to_string(receiver.server.port());
  std::string m = metrics();
  EXPECT_EQ(sample(m, "wno_notification_webhook_breaker_state", {{"target", target}}), 1) << m;
  EXPECT_EQ(sample(m, "wno_notification_webhook_total", {{"outcome", "short_circuited"}, {"target", target}}), 2);
  EXPECT_EQ(sample(m, "wno_notification_webhook_total", {{"outcome", "failed"}, {"target", target}}), 5);
  EXPECT_EQ(sample(m, "wno_notification_webhook_total", {{"outcome", "delivered"}, {"target", target}}), 2);

  // Once open_ms has passed, a trial call goes through; its success closes
  // the circuit, and the retried job reuses its row.
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  receiver.failures = 0;
  EXPECT_EQ(call("POST", "/api/v1/jobs/" + broken + "/retry").status, 200);
  job = finished(broken);
  ASSERT_EQ(job["state"], "completed") << job.dump();
  EXPECT_EQ(job["result"]["created"], false);
  EXPECT_EQ(rowsOf(broken).size(), 1u);
  EXPECT_EQ(receiver.server.requestCount(), 8u);
  EXPECT_EQ(sample(metrics(), "wno_notification_webhook_breaker_state", {{"target", target}}), 0);

  // A 4xx answer is the receiver refusing the payload: failed for good.
  receiver.status = 422;
  const std::string refused = enqueue({{"type", "send_notification"},
                                       {"data", {{"user_id", user}, {"type", "battle_lost"}}}});
  job = finished(refused);
  EXPECT_EQ(job["state"], "failed") << job.dump();
  EXPECT_EQ(job["attempts_made"], 1);
  EXPECT_THAT(job.value("last_error", ""), HasSubstr("answered HTTP 422"));
  EXPECT_EQ(rowsOf(refused).size(), 1u);

  // A user that does not exist: failed at once, no row, no call.
  const size_t calls = receiver.server.requestCount();
  const std::string nobody = enqueue({{"type", "send_notification"}, {"data", {{"user_id", 99999}, {"type", "battle_won"}}}});
  job = finished(nobody);
  EXPECT_EQ(job["state"], "failed") << job.dump();
  EXPECT_EQ(job["attempts_made"], 1);
  EXPECT_THAT(job.value("last_error", ""), HasSubstr("users 99999 does not exist"));
  EXPECT_EQ(receiver.server.requestCount(), calls);
  EXPECT_EQ(get("/api/v1/notifications?user_id=99999")["data"].size(), 0u);

  m = metrics();
  EXPECT_EQ(sample(m, "wno_notifications_created_total"), 4) << m;
  EXPECT_GE(sample(m, "wno_notifications_reused_total"), 3);
}

TEST_F(HandlersE2e, SendNotificationWithoutAWebhookOnlyWritesTheRow) {
  start();  // the shipped binding: no webhook configured
  const int64_t user = createUser("quiet");
  const std::string id = enqueue({{"type", "send_notification"}, {"job_id", "welcome:" + std::to_string(user)},
                                  {"data", {{"user_id", std::to_string(user)}, {"type", "welcome"}}}});
  const json job = finished(id);
  ASSERT_EQ(job["state"], "completed") << job.dump();
  EXPECT_EQ(job["result"]["webhook"], "none");
  const json rows = get("/api/v1/notifications?type=welcome&user_id=" + std::to_string(user))["data"];
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["data"], json({{"_job_id", id}}));
  EXPECT_TRUE(rows[0]["read_at"].is_null());
  EXPECT_EQ(call("POST", "/api/v1/jobs", {{"type", "send_notification"}, {"job_id", id}}).status, 200);
  EXPECT_EQ(get("/api/v1/notifications?user_id=" + std::to_string(user))["data"].size(), 1u);
}

TEST_F(HandlersE2e, SendNotificationRetriesAWebhookThatTimesOut) {
  std::atomic<int> calls{0};
  FakeHttpServer receiver([&](const RecordedRequest&) {
    // The first call hangs well past the handler's timeout.
    return wno::testing::answer(200, R"({"ok":true})", calls.fetch_add(1) == 0 ? 5000 : 0);
  });
  start([&](json& c) {
    json& h = handlerEntry(c, "send_notification");
    h["config"] = {{"webhook_url", receiver.url("/slow")}, {"timeout_ms", 300}};
    h["backoff"] = {{"type", "fixed"}, {"delay_ms", 20}, {"jitter", 0}};
  });
  const int64_t user = createUser("patient");
  const std::string id = enqueue({{"type", "send_notification"}, {"data", {{"user_id", user}, {"type", "reminder"}}}});
  const json job = finished(id);
  ASSERT_EQ(job["state"], "completed") << job.dump();
  EXPECT_EQ(job["attempts_made"], 2);
  EXPECT_EQ(job["result"]["webhook"], "delivered");
  EXPECT_EQ(receiver.requestCount(), 2u);
  EXPECT_EQ(get("/api/v1/notifications?user_id=" + std::to_string(user))["data"].size(), 1u);
  const std::string target = "127.0.0.1:" + std::to_string(receiver.port());
  const std::string m = metrics();
  EXPECT_EQ(sample(m, "wno_notification_webhook_total", {{"outcome", "failed"}, {"target", target}}), 1) << m;
  EXPECT_EQ(sample(m, "wno_notification_webhook_breaker_state", {{"target", target}}), 0);
  EXPECT_EQ(sample(m, "wno_job_attempts_total", {{"type", "send_notification"}, {"outcome", "retried"}}), 1);
}

TEST_F(HandlersE2e, SendNotificationCutsTheWebhookCallToTheJobsTimeout) {
  std::atomic<int> calls{0};
  FakeHttpServer receiver([&](const RecordedRequest&) {
    return wno::testing::answer(200, R"({"ok":true})", calls.fetch_add(1) == 0 ? 8000 : 0);
  });
  start([&](json& c) {
    json& h = handlerEntry(c, "send_notification");
    h["config"] = {{"webhook_url", receiver.url("/slow")}, {"timeout_ms", 20000}};
    h["backoff"] = {{"type", "fixed"}, {"delay_ms", 20}, {"jitter", 0}};
  });
  const int64_t user = createUser("hurried");
  // The job may run 500 ms: the webhook call gets what is left of that, not
  // its own 20 s, so the first attempt ends (and fails) long before the
  // receiver would answer it.
  const std::string id = enqueue({{"type", "send_notification"}, {"timeout_ms", 500},
                                  {"data", {{"user_id", user}, {"type", "reminder"}}}});
  const json job = finished(id);
  ASSERT_EQ(job["state"], "completed") << job.dump();
  EXPECT_EQ(job["attempts_made"], 2);
  EXPECT_EQ(receiver.requestCount(), 2u);
  EXPECT_EQ(get("/api/v1/notifications?user_id=" + std::to_string(user))["data"].size(), 1u);
  const std::string m = metrics();
  EXPECT_EQ(sample(m, "wno_job_attempts_total", {{"type", "send_notification"}, {"outcome", "retried"}}), 1) << m;
}

TEST_F(HandlersE2e, AHostKilledMidWebhookLeavesOneRowAndTheOtherHostDeliversIt) {
  std::atomic<int> calls{0};
  FakeHttpServer receiver([&](const RecordedRequest&) {
    // The first call never gets an answer while its host lives.
    return wno::testing::answer(200, R"({"ok":true})", calls.fetch_add(1) == 0 ? 30000 : 0);
  });
  auto shortLeases = [&](bool workers) {
    return [&, workers](json& c) {
      c["jobs"]["lease_ms"] = 1000;
      c["jobs"]["heartbeat_ms"] = 200;
      c["jobs"]["recover_interval_ms"] = 200;
      c["jobs"]["workers"] = workers;
      handlerEntry(c, "send_notification")["config"] = {{"webhook_url", receiver.url("/hooks")}, {"timeout_ms", 60000}};
    };
  };
  const int a = launch("a", shortLeases(true));
  const int b = launch("b", shortLeases(false));  // enqueue-only while A lives
  use("b", b);
  const int64_t user = createUser("survivor");
  const std::string id = enqueue({{"type", "send_notification"}, {"job_id", "survivor:welcome"},
                                  {"data", {{"user_id", user}, {"type", "welcome"}}}});
  // A wrote the row and hangs in the webhook call: kill it there.
  ASSERT_TRUE(eventually([&] { return receiver.requestCount() == 1; }, kHostWait)) << get("/api/v1/jobs/" + id).dump();
  EXPECT_EQ(get("/api/v1/jobs/" + id)["lease_owner"], "a");
  kill9("a");
  (void)a;

  // C takes over once A's lease lapses; the run finds A's row and posts it.
  use("c", launch("c", shortLeases(true)));
  const json job = finished(id);
  ASSERT_EQ(job["state"], "completed") << job.dump();
  EXPECT_EQ(job["attempts_made"], 2);
  EXPECT_EQ(job["result"]["created"], false);
  const json rows = get("/api/v1/notifications?user_id=" + std::to_string(user))["data"];
  ASSERT_EQ(rows.size(), 1u) << rows.dump();
  EXPECT_EQ(job["result"]["notification_id"], rows[0]["id"]);
  const auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 2u);
  for (const auto& r : requests) {
    EXPECT_EQ(r.header("Idempotency-Key"), id);
    EXPECT_EQ(r.header("X-Wno-Notification-Id"), rows[0]["id"].dump());
  }
}

// ---------------------------------------------------------------- verify_token_holdings

// A Solana JSON-RPC node that answers getTokenAccountsByOwner with the
// accounts in `amounts`, or with an RPC error object while `rpcError` is set.
struct SolanaNode {
  std::mutex mutex;
  std::vector<std::string> amounts;
  bool rpcError = false;
  FakeHttpServer server;

  SolanaNode() {
    server.setHandler([this](const RecordedRequest& r) {
      const json request = json::parse(r.body, nullptr, false);
      if (request.is_discarded() || request.value("method", "") != "getTokenAccountsByOwner") {
        return wno::testing::answer(400, R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"bad"}})");
      }
      const json& params = request["params"];
      const std::string owner = params[0];
      const std::string mint = params[1]["mint"];
      std::lock_guard lock(mutex);
      if (rpcError) {
        return wno::testing::answer(
            200, json{{"jsonrpc", "2.0"}, {"id", request["id"]},
                      {"error", {{"code", -32005}, {"message", "Node is behind by 1500 slots"}}}}.dump());
      }
      json value = json::array();
      for (size_t i = 0; i < amounts.size(); ++i) {
        value.push_back({{"pubkey", "TokenAccount" + std::to_string(i)},
                         {"account",
                          {{"data",
                            {{"parsed",
                              {{"info",
                                {{"isNative", false},
                                 {"mint", mint},
                                 {"owner", owner},
                                 {"state", "initialized"},
                                 {"tokenAmount", {{"amount", amounts[i]}, {"decimals", 6}, {"uiAmountString", "?"}}}}},
                               {"type", "account"}}},
                             {"program", "spl-token"},
                             {"space", 165}}},
                           {"executable", false},
                           {"lamports", 2039280},
                           {"owner", "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"}}}});
      }
      return wno::testing::answer(200, json{{"jsonrpc", "2.0"}, {"id", request["id"]},
                                            {"result", {{"context", {{"slot", 301234567}}}, {"value", value}}}}.dump());
    });
  }
  void holds(std::vector<std::string> a) {
    std::lock_guard lock(mutex);
    amounts = std::move(a);
    rpcError = false;
  }
  void failWithRpcError() {
    std::lock_guard lock(mutex);
    rpcError = true;
  }
};

TEST_F(HandlersE2e, VerifyTokenHoldingsRecordsTheExactBalanceFromTheNode) {
  SolanaNode node;
  start([&](json& c) {
    json& h = handlerEntry(c, "verify_token_holdings");
    h["config"] = {{"rpc_url", node.server.url("/rpc")}, {"token_mint", kMint}, {"commitment", "confirmed"},
                   {"timeout_ms", 5000}, {"rpc_headers", {{"X-Api-Key", "e2e-node-key"}}}};
    h["backoff"] = {{"type", "fixed"}, {"delay_ms", 50}, {"jitter", 0}};
  });
  const int64_t user = create("users", {{"username", "holder"}, {"wallet_address", kWallet}})["id"];
  const std::string holdingsOfUser = "/api/v1/token_holdings?user_id=" + std::to_string(user);
  EXPECT_EQ(get(holdingsOfUser)["data"].size(), 0u);  // a cached empty page the create must invalidate

  // Two accounts whose amounts add up past 2^64.
  node.holds({"18446744073709551615", "1000000000000000000"});
  json job = finished(enqueue({{"type", "verify_token_holdings"},
                               {"data", {{"user_id", user}, {"wallet_address", kWallet}}}}));
  ASSERT_EQ(job["state"], "completed") << job.dump();
  EXPECT_EQ(job["attempts_made"], 1);
  EXPECT_EQ(job["result"]["balance"], "19446744073709551615");
  EXPECT_EQ(job["result"]["accounts"], 2);
  EXPECT_EQ(job["result"]["decimals"], 6);
  EXPECT_EQ(job["result"]["slot"], 301234567);
  EXPECT_EQ(job["result"]["created"], true);
  EXPECT_EQ(job["result"]["token_mint"], kMint);

  auto requests = node.server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].uri, "/rpc");
  EXPECT_EQ(requests[0].header("X-Api-Key"), "e2e-node-key");
  const json rpc = json::parse(requests[0].body);
  EXPECT_EQ(rpc["jsonrpc"], "2.0");
  EXPECT_EQ(rpc["params"], json::array({kWallet, {{"mint", kMint}}, {{"encoding", "jsonParsed"}, {"commitment", "confirmed"}}}));

  json rows = get(holdingsOfUser)["data"];
  ASSERT_EQ(rows.size(), 1u) << rows.dump();
  EXPECT_EQ(rows[0]["id"], job["result"]["holding_id"]);
  EXPECT_EQ(rows[0]["wallet_address"], kWallet);
  EXPECT_EQ(rows[0]["token_mint"], kMint);
  EXPECT_EQ(rows[0]["balance"], "19446744073709551615");
  ASSERT_TRUE(rows[0]["verified_at"].is_string()) << rows.dump();
  const std::string firstVerified = rows[0]["verified_at"];
  const json holding = rows[0];
  EXPECT_EQ(get("/api/v1/token_holdings/" + holding["id"].dump())["balance"], "19446744073709551615");

  // A later check updates the same row.
  node.holds({"42"});
  job = finished(enqueue({{"type", "verify_token_holdings"},
                          {"data", {{"user_id", user}, {"wallet_address", kWallet}, {"token_mint", kMint}}}}));
  ASSERT_EQ(job["state"], "completed") << job.dump();
  EXPECT_EQ(job["result"]["created"], false);
  EXPECT_EQ(job["result"]["holding_id"], holding["id"]);
  rows = get(holdingsOfUser)["data"];
  ASSERT_EQ(rows.size(), 1u) << rows.dump();
  EXPECT_EQ(rows[0]["balance"], "42");
  EXPECT_EQ(rows[0]["version"], holding["version"].get<int>() + 1);
  EXPECT_GE(rows[0]["verified_at"].get<std::string>(), firstVerified);
  EXPECT_EQ(get("/api/v1/token_holdings/" + holding["id"].dump())["balance"], "42");

  // Another mint is another row; a wallet holding none of it has balance 0.
  node.holds({});
  job = finished(enqueue({{"type", "verify_token_holdings"},
                          {"data", {{"user_id", user}, {"wallet_address", kWallet}, {"token_mint", kOtherMint}}}}));
  ASSERT_EQ(job["state"], "completed") << job.dump();
  EXPECT_EQ(job["result"]["balance"], "0");
  EXPECT_EQ(job["result"]["accounts"], 0);
  EXPECT_EQ(get(holdingsOfUser)["data"].size(), 2u);

  // An RPC error object is retried with the job type's backoff; the last
  // error names it, and the recorded balance stays.
  node.failWithRpcError();
  const size_t before = node.server.requestCount();
  const std::string behind = enqueue({{"type", "verify_token_holdings"}, {"attempts", 3},
                                      {"data", {{"user_id", user}, {"wallet_address", kWallet}}}});
  job = finished(behind);
  ASSERT_EQ(job["state"], "failed") << job.dump();
  EXPECT_EQ(job["attempts_made"], 3);
  EXPECT_THAT(job.value("last_error", ""), HasSubstr("RPC error -32005: Node is behind by 1500 slots"));
  EXPECT_EQ(node.server.requestCount(), before + 3);
  EXPECT_EQ(get("/api/v1/token_holdings/" + holding["id"].dump())["balance"], "42");
  // Once the node is healthy again, a retry records the new balance.
  node.holds({"7", "8"});
  EXPECT_EQ(call("POST", "/api/v1/jobs/" + behind + "/retry").status, 200);
  job = finished(behind);
  ASSERT_EQ(job["state"], "completed") << job.dump();
  EXPECT_EQ(get("/api/v1/token_holdings/" + holding["id"].dump())["balance"], "15");

  // A wallet that cannot be a Solana key fails for good before any call.
  const size_t calls = node.server.requestCount();
  job = finished(enqueue({{"type", "verify_token_holdings"},
                          {"data", {{"user_id", user}, {"wallet_address", "0xNotASolanaWallet0000000000000000000"}}}}));
  EXPECT_EQ(job["state"], "failed") << job.dump();
  EXPECT_EQ(job["attempts_made"], 1);
  EXPECT_THAT(job.value("last_error", ""), HasSubstr("is not a Solana address"));
  EXPECT_EQ(node.server.requestCount(), calls);
  EXPECT_EQ(get(holdingsOfUser)["data"].size(), 2u);

  const std::string m = metrics();
  EXPECT_EQ(sample(m, "wno_token_rpc_calls_total", {{"outcome", "ok"}}), 4) << m;
  EXPECT_EQ(sample(m, "wno_token_rpc_calls_total", {{"outcome", "rpc_error"}}), 3);
}

TEST_F(HandlersE2e, VerifyTokenHoldingsRetriesWhileTheNodeIsUnreachable) {
  const uint16_t closed = wno::testing::closedPort();
  start([&](json& c) {
    json& h = handlerEntry(c, "verify_token_holdings");
    h["config"] = {{"rpc_url", "http://127.0.0.1:" + std::to_string(closed) + "/"}, {"token_mint", kMint}};
    h["backoff"] = {{"type", "fixed"}, {"delay_ms", 20}, {"jitter", 0}};
    h["attempts"] = 2;
  });
  const int64_t user = createUser("offline");
  const json job = finished(enqueue({{"type", "verify_token_holdings"},
                                     {"data", {{"user_id", user}, {"wallet_address", kWallet}}}}));
  ASSERT_EQ(job["state"], "failed") << job.dump();
  EXPECT_EQ(job["attempts_made"], 2);  // the shipped binding's attempts, overridden here
  EXPECT_THAT(job.value("last_error", ""), HasSubstr("connection refused"));
  EXPECT_EQ(get("/api/v1/token_holdings?user_id=" + std::to_string(user))["data"].size(), 0u);
}

// ---------------------------------------------------------------- compute_user_stats

TEST_F(HandlersE2e, ComputeUserStatsRefreshesWhatTheStatsRouteServes) {
  // Each count is one repo_count against the real repository.
  start();
  const int64_t user = createUser("counted");
  const int64_t rival = createUser("rival");
  const std::string u = std::to_string(user);
  for (int i = 0; i < 2; ++i) create("contents", {{"user_id", user}, {"kind", "text"}, {"body", "post " + std::to_string(i)}});
  const int64_t content = create("contents", {{"user_id", rival}, {"kind", "text"}, {"body", "rival's post"}})["id"];
  for (int i = 0; i < 3; ++i) create("comments", {{"content_id", content}, {"user_id", user}, {"content", "reply"}});
  create("comments", {{"content_id", content}, {"user_id", rival}, {"content", "thanks"}});
  create("battles", {{"title", "first"}, {"creator_id", user}, {"opponent_id", rival}});
  create("battles", {{"title", "second"}, {"creator_id", user}});
  create("battles", {{"title", "rematch"}, {"creator_id", rival}, {"opponent_id", user}});
  create("token_holdings", {{"user_id", user}, {"wallet_address", kWallet}, {"token_mint", kMint}, {"balance", "5"}});

  // The route computes and caches the first answer.
  const json first = get("/api/v1/users/" + u + "/stats");
  EXPECT_EQ(first, json({{"user_id", user}, {"computed_at", first["computed_at"]}, {"battles_created", 2},
                         {"battles_joined", 1}, {"contents", 2}, {"comments", 3}, {"token_holdings", 1}}));
  EXPECT_EQ(get("/api/v1/users/" + u + "/stats"), first) << "the second read is the cached copy";
  // Writes of rows it counts drop it (the default config's cache.invalidates
  // rules): the next read counts them.
  create("contents", {{"user_id", user}, {"kind", "text"}, {"body", "third post"}});
  create("comments", {{"content_id", content}, {"user_id", user}, {"content", "one more"}});
  create("battles", {{"title", "third"}, {"creator_id", user}});
  const json counted = get("/api/v1/users/" + u + "/stats");
  EXPECT_EQ(counted["battles_created"], 3);
  EXPECT_EQ(counted["contents"], 3);
  EXPECT_EQ(counted["comments"], 4);
  EXPECT_NE(counted["computed_at"], first["computed_at"]);

  // The job recomputes and refreshes the entry.
  const std::string id = enqueue({{"type", "compute_user_stats"}, {"data", {{"user_id", user}}}});
  const json job = finished(id);
  ASSERT_EQ(job["state"], "completed") << job.dump();
  EXPECT_EQ(job["queue"], "low");
  const json& stats = job["result"];
  EXPECT_EQ(stats["user_id"], user);
  EXPECT_EQ(stats["battles_created"], 3);
  EXPECT_EQ(stats["battles_joined"], 1);
  EXPECT_EQ(stats["contents"], 3);
  EXPECT_EQ(stats["comments"], 4);
  EXPECT_EQ(stats["token_holdings"], 1);
  ASSERT_TRUE(stats["computed_at"].is_string());
  EXPECT_NE(stats["computed_at"], first["computed_at"]);
  // Served from the cache: the same numbers and the job's computed_at.
  EXPECT_EQ(get("/api/v1/users/" + u + "/stats"), stats);
  EXPECT_EQ(get("/api/v1/users/" + u + "/stats"), stats);

  // The rival's stats are their own.
  const json theirs = finished(enqueue({{"type", "compute_user_stats"}, {"data", {{"user_id", std::to_string(rival)}}}}));
  ASSERT_EQ(theirs["state"], "completed") << theirs.dump();
  EXPECT_EQ(theirs["result"]["battles_created"], 1);
  EXPECT_EQ(theirs["result"]["battles_joined"], 1);
  EXPECT_EQ(theirs["result"]["contents"], 1);
  EXPECT_EQ(theirs["result"]["comments"], 1);
  EXPECT_EQ(theirs["result"]["token_holdings"], 0);
  EXPECT_EQ(get("/api/v1/users/" + std::to_string(rival) + "/stats"), theirs["result"]);

  // A write to the user drops the entry (tag users:<id>); the route
  // computes afresh, with the same numbers.
  const json userRow = get("/api/v1/users/" + u);
  auto patched = httpRequest(port_, "PATCH", "/api/v1/users/" + u, R"({"role":"moderator"})",
                             {{"If-Match", "\"v" + userRow["version"].dump() + "\""}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  const json fresh = get("/api/v1/users/" + u + "/stats");
  EXPECT_NE(fresh["computed_at"], stats["computed_at"]);
  json same = fresh;
  same["computed_at"] = stats["computed_at"];
  EXPECT_EQ(same, stats);

  // A user that does not exist fails for good.
  const json nobody = finished(enqueue({{"type", "compute_user_stats"}, {"data", {{"user_id", 424242}}}}));
  EXPECT_EQ(nobody["state"], "failed") << nobody.dump();
  EXPECT_EQ(nobody["attempts_made"], 1);
  EXPECT_THAT(nobody.value("last_error", ""), HasSubstr("users 424242 does not exist"));
  const std::string m = metrics();
  EXPECT_EQ(sample(m, "wno_user_stats_refreshed_total"), 2);
  // The handler times its two computations (the unknown user stopped
  // before) into the host's repository histogram, beside the counts.
  EXPECT_EQ(sample(m, "wno_repository_query_duration_seconds_count",
                   {{"cached", "false"}, {"collection", "users"}, {"op", "user_stats"}}),
            2);
  EXPECT_GE(sample(m, "wno_repository_query_duration_seconds_count",
                   {{"cached", "false"}, {"collection", "battles"}, {"op", "count"}}),
            4);
}

// The route and the job count one declared list: a config that declares
// its own relations gets them from both, and nothing else.
TEST_F(HandlersE2e, TheStatsRouteAndTheJobCountTheSameDeclaredRelations) {
  start([](json& c) {
    c["data"]["user_stats"]["counts"] = json::parse(R"([
      {"name": "challenges", "collection": "battles", "field": "opponent_id"},
      {"name": "posts", "collection": "contents", "field": "user_id"}])");
  });
  const int64_t user = createUser("declared");
  const int64_t rival = createUser("declared_rival");
  create("battles", {{"title", "one"}, {"creator_id", rival}, {"opponent_id", user}});
  create("battles", {{"title", "two"}, {"creator_id", rival}, {"opponent_id", user}});
  create("battles", {{"title", "mine"}, {"creator_id", user}});
  create("contents", {{"user_id", user}, {"kind", "text"}, {"body", "post"}});
  create("comments", {{"content_id", 1}, {"user_id", user}, {"content", "not declared"}});

  const json routed = get("/api/v1/users/" + std::to_string(user) + "/stats");
  EXPECT_EQ(routed, json({{"user_id", user}, {"computed_at", routed["computed_at"]}, {"challenges", 2}, {"posts", 1}}));
  const json job = finished(enqueue({{"type", "compute_user_stats"}, {"data", {{"user_id", user}}}}));
  ASSERT_EQ(job["state"], "completed") << job.dump();
  json counted = job["result"];
  counted["computed_at"] = routed["computed_at"];
  EXPECT_EQ(counted, routed);
}

// A declared relation the collections cannot count stops the host at start,
// naming it.
TEST_F(HandlersE2e, ARelationNamingAnUnknownFieldFailsTheStart) {
  json c = platformConfig(freePort());
  c["data"]["user_stats"]["counts"] = json::parse(R"([{"name": "authored", "collection": "contents", "field": "author_id"}])");
  const RunResult r = runHost({"--config", writeTempFile("handlers-bad-stats.json", c.dump())});
  EXPECT_NE(r.exitCode, 0);
  EXPECT_THAT(r.err + r.out, HasSubstr("/data/user_stats/counts/0/field: collection \"contents\" has no field \"author_id\""));
}

}  // namespace
}  // namespace wno::test
