// One conformance suite for every job store (memory, sqlite, postgres): the
// real .so plugins loaded through the host's PluginManager, called through
// the C vtable as the host calls them. PostgreSQL is one throwaway server per
// test binary with a fresh table per test; SQLite a fresh file per test.
// "Two hosts" are two store instances on the same database; for sqlite and
// postgres also two other processes (job_store_claimer).
#include "eventually.h"
#include "../../host/process_runner.h"
#include "job_store_client.h"
#include "postgres_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace wno::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int64_t kNow = 1'700'000'000'000;  // the suite's clock: stores use the times they are given
constexpr int64_t kLease = 30'000;

JobStorePlugins& plugins() {
  static JobStorePlugins p(WNO_TEST_PLUGIN_DIR);
  return p;
}

// One PostgreSQL per test binary, started on first use, stopped at exit.
PostgresServer* postgres = nullptr;
class PostgresEnvironment : public ::testing::Environment {
 public:
  void TearDown() override {
    delete postgres;
    postgres = nullptr;
  }
};
[[maybe_unused]] ::testing::Environment* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new PostgresEnvironment);

PostgresServer& postgresServer() {
  if (!postgres) postgres = new PostgresServer();
  return *postgres;
}

json job(const std::string& id, const json& overrides = json::object()) {
  json j = {{"id", id},
            {"type", "send_notification"},
            {"queue", "default"},
            {"priority", 2},
            {"data", {{"user_id", 7}, {"text", "gm"}, {"tags", {1, 2.5, nullptr}}}},
            {"state", "waiting"},
            {"attempts_made", 0},
            {"max_attempts", 3},
            {"backoff", {{"type", "exponential"}, {"delay_ms", 1000}, {"jitter", 0.25}}},
            {"timeout_ms", 30000},
            {"run_at_ms", kNow},
            {"created_at_ms", kNow},
            {"started_at_ms", nullptr},
            {"finished_at_ms", nullptr},
            {"lease_owner", nullptr},
            {"lease_expires_at_ms", nullptr},
            {"last_error", nullptr},
            {"result", nullptr},
            {"cancel_requested", false}};
  for (const auto& [key, value] : overrides.items()) j[key] = value;
  return j;
}

// Generous: children start and servers restart on a shared, loaded machine.
constexpr std::chrono::seconds kStoreWait{60};

std::vector<std::string> ids(const std::vector<json>& records) {
  std::vector<std::string> out;
  for (const auto& r : records) out.push_back(r["id"].get<std::string>());
  return out;
}

class JobStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    const int n = counter++;
    const std::string& backend = GetParam();
    if (backend == "memory") {
      config_ = json::object();
    } else if (backend == "sqlite") {
      dir_ = std::filesystem::temp_directory_path() /
             ("wno-jobs-" + std::to_string(::getpid()) + "-" + std::to_string(n));
      // A parent directory that does not exist yet: the store creates it.
      config_ = {{"path", (dir_ / "nested" / "jobs.db").string()}, {"busy_timeout_ms", 10000}};
    } else {
      config_ = {{"url", postgresServer().url()}, {"table", "jobs_" + std::to_string(n)}, {"pool_size", 12}};
    }
    store_ = open();
  }
  void TearDown() override {
    store_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // Another instance on the same database: a second host, or a reopen.
  std::unique_ptr<JobStoreClient> open() {
    auto r = plugins().open(GetParam(), config_);
    if (!r.isOk()) throw std::runtime_error(r.status().message());
    return std::move(r).value();
  }
  bool shared() const { return GetParam() != "memory"; }

  json enqueue(const json& j) {
    auto r = store_->enqueue(j);
    EXPECT_TRUE(r.status.isOk()) << r.status.message();
    EXPECT_TRUE(r.created) << j["id"];
    return r.record;
  }
  json stored(const std::string& id) {
    auto r = store_->get(id);
    EXPECT_TRUE(r.has_value()) << id;
    return r.value_or(json());
  }
  json claimOne(const std::string& worker = "w1", int64_t now = kNow, const std::string& queue = "default") {
    auto claimed = store_->claim(queue, worker, 1, now, kLease);
    EXPECT_EQ(claimed.size(), 1u);
    return claimed.empty() ? json() : claimed[0];
  }
  void expectStatus(const host::Status& s, wno_status code, const std::string& fragment) {
    EXPECT_EQ(s.code(), code) << s.message();
    EXPECT_THAT(s.message(), HasSubstr(fragment));
  }

  json config_;
  std::filesystem::path dir_;
  std::unique_ptr<JobStoreClient> store_;
};

// ------------------------------------------------------------- enqueue ----

TEST_P(JobStoreTest, EnqueueWritesTheDocumentedRecord) {
  const json in = job("j1");
  auto r = store_->enqueue(in);
  ASSERT_TRUE(r.status.isOk()) << r.status.message();
  EXPECT_TRUE(r.created);
  EXPECT_EQ(r.record, in);
  EXPECT_EQ(stored("j1"), in);
  // Every documented field, in the documented order, nulls included.
  std::vector<std::string> keys;
  const auto asWritten = nlohmann::ordered_json::parse(*store_->getText("j1"));
  for (const auto& [key, value] : asWritten.items()) keys.push_back(key);
  EXPECT_THAT(keys, ElementsAre("id", "type", "queue", "priority", "data", "state", "attempts_made", "max_attempts",
                                "backoff", "timeout_ms", "run_at_ms", "created_at_ms", "started_at_ms",
                                "finished_at_ms", "lease_owner", "lease_expires_at_ms", "last_error", "result",
                                "cancel_requested"));
  // Minimal input: optional fields take their documented defaults.
  auto minimal = store_->enqueue({{"id", "j2"}, {"type", "t"}, {"queue", "q"}, {"priority", 0},
                                  {"max_attempts", 1}, {"run_at_ms", 5}, {"created_at_ms", 5}});
  ASSERT_TRUE(minimal.status.isOk()) << minimal.status.message();
  EXPECT_EQ(minimal.record["data"], nullptr);
  EXPECT_EQ(minimal.record["attempts_made"], 0);
  EXPECT_EQ(minimal.record["backoff"], (json{{"type", "fixed"}, {"delay_ms", 0}, {"jitter", 0.0}}));
  EXPECT_EQ(minimal.record["timeout_ms"], 0);
  EXPECT_EQ(minimal.record["cancel_requested"], false);
  // Unknown fields (a newer host's additions) are ignored, not stored.
  auto extra = store_->enqueue(job("j3", {{"future_field", 1}}));
  ASSERT_TRUE(extra.status.isOk()) << extra.status.message();
  EXPECT_FALSE(extra.record.contains("future_field"));
}

TEST_P(JobStoreTest, EnqueueIsIdempotentByJobId) {
  const json first = enqueue(job("same", {{"data", {{"v", 1}}}}));
  auto again = store_->enqueue(job("same", {{"data", {{"v", 2}}}, {"priority", 0}}));
  ASSERT_TRUE(again.status.isOk()) << again.status.message();
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.record, first) << "the stored job, not the new request";
  // Also once the job has moved on.
  claimOne();
  auto later = store_->enqueue(job("same"));
  EXPECT_FALSE(later.created);
  EXPECT_EQ(later.record["state"], "active");
  EXPECT_EQ(store_->list(json::object()).size(), 1u);
}

TEST_P(JobStoreTest, ThirtyTwoThreadsEnqueueingOneIdCreateExactlyOne) {
  auto second = shared() ? open() : nullptr;  // half the threads on "another host"
  std::atomic<int> created{0}, failed{0};
  std::mutex mutex;
  std::set<std::string> records;
  std::vector<std::thread> threads;
  std::atomic<bool> go{false};
  for (int i = 0; i < 32; ++i) {
    threads.emplace_back([&, i] {
      const JobStoreClient& s = (second && i % 2) ? *second : *store_;
      while (!go) std::this_thread::yield();
      auto r = s.enqueue(job("dup", {{"data", {{"thread", i}}}}));
      if (!r.status.isOk()) {
        ++failed;
        return;
      }
      if (r.created) ++created;
      std::lock_guard lock(mutex);
      records.insert(r.record.dump());
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(created, 1);
  EXPECT_EQ(records.size(), 1u) << "every caller got the one stored record";
  EXPECT_EQ(store_->list(json::object()).size(), 1u);
}

// --------------------------------------------------------------- claim ----

TEST_P(JobStoreTest, ClaimsByPriorityThenRunAtThenEnqueueOrder) {
  enqueue(job("low", {{"priority", 3}}));
  enqueue(job("normal-late", {{"priority", 2}, {"run_at_ms", kNow - 10}}));
  enqueue(job("normal-a", {{"priority", 2}, {"run_at_ms", kNow - 50}}));
  enqueue(job("normal-b", {{"priority", 2}, {"run_at_ms", kNow - 50}}));
  enqueue(job("critical", {{"priority", 0}, {"run_at_ms", kNow - 1}}));
  enqueue(job("high", {{"priority", 1}}));
  enqueue(job("normal-c", {{"priority", 2}, {"run_at_ms", kNow - 50}}));
  enqueue(job("other-queue", {{"priority", 0}, {"queue", "other"}}));
  std::vector<std::string> order;
  for (int i = 0; i < 3; ++i) order.push_back(claimOne()["id"]);
  // The rest in one batch, still in claim order.
  for (const auto& id : ids(store_->claim("default", "w1", 10, kNow, kLease))) order.push_back(id);
  EXPECT_THAT(order, ElementsAre("critical", "high", "normal-a", "normal-b", "normal-c", "normal-late", "low"));
  EXPECT_TRUE(store_->claim("default", "w1", 10, kNow, kLease).empty());
  EXPECT_THAT(ids(store_->claim("other", "w1", 10, kNow, kLease)), ElementsAre("other-queue"));
}

TEST_P(JobStoreTest, DelayedJobsAreNotClaimableBeforeRunAt) {
  enqueue(job("later", {{"priority", 0}, {"run_at_ms", kNow + 5000}}));
  enqueue(job("now", {{"priority", 3}}));
  EXPECT_THAT(ids(store_->claim("default", "w1", 10, kNow, kLease)), ElementsAre("now"));
  EXPECT_TRUE(store_->claim("default", "w1", 10, kNow + 4999, kLease).empty());
  EXPECT_THAT(ids(store_->claim("default", "w1", 10, kNow + 5000, kLease)), ElementsAre("later"));
}

TEST_P(JobStoreTest, ClaimTakesALeaseAndCountsTheAttempt) {
  enqueue(job("j"));
  EXPECT_TRUE(store_->claim("default", "w1", 0, kNow, kLease).empty()) << "max_jobs 0 claims nothing";
  const json claimed = claimOne("w1", kNow + 7);
  EXPECT_EQ(claimed["state"], "active");
  EXPECT_EQ(claimed["attempts_made"], 1);
  EXPECT_EQ(claimed["lease_owner"], "w1");
  EXPECT_EQ(claimed["lease_expires_at_ms"], kNow + 7 + kLease);
  EXPECT_EQ(claimed["started_at_ms"], kNow + 7);
  EXPECT_EQ(claimed["finished_at_ms"], nullptr);
  EXPECT_EQ(stored("j"), claimed);
  EXPECT_TRUE(store_->claim("default", "w2", 5, kNow + 8, kLease).empty()) << "held by w1";
}

TEST_P(JobStoreTest, EightClaimersOnTwoHostsNeverClaimAJobTwice) {
  constexpr int kJobs = 400;
  for (int i = 0; i < kJobs; ++i) enqueue(job("c" + std::to_string(i), {{"priority", i % 4}}));
  auto second = shared() ? open() : nullptr;
  std::mutex mutex;
  std::vector<std::string> claimed;
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      const JobStoreClient& s = (second && t % 2) ? *second : *store_;
      const std::string worker = "worker-" + std::to_string(t);
      for (int empty = 0; empty < 3;) {
        host::Status status;
        auto batch = s.claim("default", worker, 1 + t % 5, kNow, kLease, &status);
        if (!status.isOk()) {
          ++errors;
          ADD_FAILURE() << status.message();
          return;
        }
        if (batch.empty()) {
          ++empty;
          continue;
        }
        empty = 0;
        for (const auto& j : batch) {
          EXPECT_EQ(j["lease_owner"], worker);
          const host::Status done = s.complete(j["id"], worker, kNow + 1, "{\"ok\":true}");
          if (!done.isOk()) ADD_FAILURE() << done.message();
          std::lock_guard lock(mutex);
          claimed.push_back(j["id"]);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors, 0);
  std::set<std::string> unique(claimed.begin(), claimed.end());
  EXPECT_EQ(claimed.size(), static_cast<size_t>(kJobs)) << "each job claimed exactly once";
  EXPECT_EQ(unique.size(), static_cast<size_t>(kJobs));
  for (const auto& j : store_->list({{"limit", 1000}})) {
    EXPECT_EQ(j["state"], "completed");
    EXPECT_EQ(j["attempts_made"], 1) << j["id"];
  }
}

// The same across processes: two job_store_claimer processes and this one
// drain one queue; every job is completed once with a single attempt.
TEST_P(JobStoreTest, ClaimersInThreeProcessesNeverClaimAJobTwice) {
  if (!shared()) GTEST_SKIP() << "the memory store lives in one process";
  constexpr int kJobs = 300;
  for (int i = 0; i < kJobs; ++i) enqueue(job("p" + std::to_string(i), {{"priority", i % 4}}));
  std::vector<std::unique_ptr<ChildProcess>> children;
  for (int i = 0; i < 2; ++i) {
    children.push_back(ChildProcess::start(
        WNO_CLAIMER_BINARY, {WNO_TEST_PLUGIN_DIR, GetParam(), config_.dump(), "default", "proc-" + std::to_string(i),
                             std::to_string(kNow)}));
    ASSERT_TRUE(children.back());
  }
  // Start together: the children claim as soon as they are ready.
  for (auto& child : children) {
    ASSERT_TRUE(eventually([&] { return child->out().rfind("ready\n", 0) == 0 || !child->running(); }, kStoreWait))
        << child->err();
  }
  std::vector<std::string> claimed;
  for (int empty = 0; empty < 20;) {
    auto batch = store_->claim("default", "parent", 2, kNow, kLease);
    if (batch.empty()) {
      ++empty;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    empty = 0;
    for (const auto& j : batch) {
      ASSERT_TRUE(store_->complete(j["id"], "parent", kNow + 1).isOk());
      claimed.push_back(j["id"]);
    }
  }
  size_t fromChildren = 0;
  for (auto& child : children) {
    ASSERT_EQ(child->wait(std::chrono::seconds(120)), 0) << child->err();
    std::istringstream lines(child->out());
    for (std::string line; std::getline(lines, line);) {
      if (line.empty() || line == "ready") continue;
      claimed.push_back(line);
      ++fromChildren;
    }
  }
  std::set<std::string> unique(claimed.begin(), claimed.end());
  EXPECT_EQ(claimed.size(), static_cast<size_t>(kJobs));
  EXPECT_EQ(unique.size(), static_cast<size_t>(kJobs));
  EXPECT_GT(fromChildren, 0u) << "the other processes took part";
  for (const auto& j : store_->list({{"limit", 1000}})) {
    EXPECT_EQ(j["state"], "completed") << j["id"];
    EXPECT_EQ(j["attempts_made"], 1) << j["id"];
  }
}

// ------------------------------------------------------ lease and finish ----

TEST_P(JobStoreTest, HeartbeatExtendsTheLeaseOnlyForItsHolder) {
  enqueue(job("j"));
  claimOne("w1");
  ASSERT_TRUE(store_->heartbeat("j", "w1", kNow + 1000, 60000).isOk());
  EXPECT_EQ(stored("j")["lease_expires_at_ms"], kNow + 1000 + 60000);
  expectStatus(store_->heartbeat("j", "w2", kNow + 1000, 60000), WNO_ERR_PRECONDITION, "not leased to worker \"w2\"");
  expectStatus(store_->heartbeat("nope", "w1", kNow, 1000), WNO_NOT_FOUND, "nope");
  expectStatus(store_->heartbeat("j", "w1", kNow, 0), WNO_ERR_INVALID, "lease_ms");
  EXPECT_EQ(stored("j")["lease_expires_at_ms"], kNow + 1000 + 60000) << "refusals change nothing";
  ASSERT_TRUE(store_->complete("j", "w1", kNow + 2000).isOk());
  expectStatus(store_->heartbeat("j", "w1", kNow + 2001, 1000), WNO_ERR_PRECONDITION, "is completed, not active");
}

TEST_P(JobStoreTest, HeartbeatManyRenewsEachHeldLeaseAndRefusesPerId) {
  ASSERT_NE(store_->vt().on_heartbeat_many, nullptr);
  for (const char* id : {"a", "b", "stopping", "theirs", "done"}) enqueue(job(id));
  ASSERT_EQ(store_->claim("default", "w1", 3, kNow, kLease).size(), 3u);
  claimOne("w2");  // "theirs"
  claimOne("w1");  // "done"
  ASSERT_TRUE(store_->complete("done", "w1", kNow + 1).isOk());
  ASSERT_TRUE(store_->cancel("stopping", kNow + 2).isOk());
  const int64_t theirLease = stored("theirs")["lease_expires_at_ms"];

  auto r = store_->heartbeatMany("w1", {"a", "b", "stopping", "theirs", "done", "missing", "a"}, kNow + 1000, 60000);
  ASSERT_TRUE(r.status.isOk()) << r.status.message();
  EXPECT_THAT(r.statuses, ElementsAre(WNO_OK, WNO_OK, WNO_ERR_CANCELLED, WNO_ERR_PRECONDITION, WNO_ERR_PRECONDITION,
                                      WNO_NOT_FOUND, WNO_OK));
  for (const char* id : {"a", "b", "stopping"}) {
    EXPECT_EQ(stored(id)["lease_expires_at_ms"], kNow + 1000 + 60000) << id << ": a cancelled job's lease is kept too";
  }
  EXPECT_EQ(stored("theirs")["lease_expires_at_ms"], theirLease) << "refusals change nothing";
  EXPECT_EQ(stored("done")["state"], "completed");
  EXPECT_EQ(stored("done")["lease_expires_at_ms"], nullptr);

  expectStatus(store_->heartbeatMany("w1", {"a"}, kNow, 0).status, WNO_ERR_INVALID, "lease_ms");
  EXPECT_EQ(stored("a")["lease_expires_at_ms"], kNow + 1000 + 60000) << "a refused call changes nothing";
  auto none = store_->heartbeatMany("w1", {}, kNow, kLease);
  EXPECT_TRUE(none.status.isOk()) << none.status.message();
}

// The ids go to the database however the store binds them (an array
// literal, a document): any text an id may hold renews its own job.
TEST_P(JobStoreTest, HeartbeatManyRenewsAwkwardIdsAndLargeBatches) {
  const std::vector<std::string> awkward = {"q\"uote", "back\\slash", "a,b{c}", "NULL", " spaced ", "\u00e9\u2713"};
  for (const auto& id : awkward) enqueue(job(id));
  for (int i = 0; i < 1500; ++i) enqueue(job("bulk-" + std::to_string(i)));
  std::vector<std::string> ids;
  for (const auto& claimed : store_->claim("default", "w1", 2000, kNow, kLease)) ids.push_back(claimed["id"]);
  ASSERT_EQ(ids.size(), awkward.size() + 1500);
  auto r = store_->heartbeatMany("w1", ids, kNow + 500, 90000);
  ASSERT_TRUE(r.status.isOk()) << r.status.message();
  EXPECT_EQ(std::count(r.statuses.begin(), r.statuses.end(), WNO_OK), static_cast<long>(ids.size()));
  for (const auto& id : awkward) EXPECT_EQ(stored(id)["lease_expires_at_ms"], kNow + 500 + 90000) << id;
  EXPECT_EQ(stored("bulk-1499")["lease_expires_at_ms"], kNow + 500 + 90000);
}

TEST_P(JobStoreTest, CompleteRequiresTheLeaseAndStoresTheResult) {
  enqueue(job("j"));
  expectStatus(store_->complete("j", "w1", kNow), WNO_ERR_PRECONDITION, "is waiting, not active");
  claimOne("w1");
  expectStatus(store_->complete("j", "w2", kNow + 5), WNO_ERR_PRECONDITION, "not leased to worker \"w2\"");
  expectStatus(store_->complete("j", "w1", kNow + 5, "{not json"), WNO_ERR_INVALID, "result");
  expectStatus(store_->complete("missing", "w1", kNow + 5), WNO_NOT_FOUND, "missing");
  ASSERT_TRUE(store_->complete("j", "w1", kNow + 5, R"({"delivered": 3, "ids": [1, 2]})").isOk());
  const json done = stored("j");
  EXPECT_EQ(done["state"], "completed");
  EXPECT_EQ(done["result"], (json{{"delivered", 3}, {"ids", {1, 2}}}));
  EXPECT_EQ(done["finished_at_ms"], kNow + 5);
  EXPECT_EQ(done["lease_owner"], nullptr);
  EXPECT_EQ(done["lease_expires_at_ms"], nullptr);
  EXPECT_EQ(done["attempts_made"], 1);
  expectStatus(store_->complete("j", "w1", kNow + 6), WNO_ERR_PRECONDITION, "is completed");
  // No result is null.
  enqueue(job("k"));
  claimOne("w1");
  ASSERT_TRUE(store_->complete("k", "w1", kNow + 7).isOk());
  EXPECT_EQ(stored("k")["result"], nullptr);
}

TEST_P(JobStoreTest, FailWithRetryWaitsThenDeadLetters) {
  enqueue(job("j", {{"max_attempts", 2}}));
  claimOne("w1");
  expectStatus(store_->fail("j", "w2", kNow, "boom", kNow + 100), WNO_ERR_PRECONDITION, "not leased");
  ASSERT_TRUE(store_->fail("j", "w1", kNow + 10, "boom: \xff bad byte", kNow + 1000).isOk());
  json j = stored("j");
  EXPECT_EQ(j["state"], "waiting");
  EXPECT_EQ(j["run_at_ms"], kNow + 1000);
  EXPECT_THAT(j["last_error"].get<std::string>(), HasSubstr("boom"));
  EXPECT_EQ(j["attempts_made"], 1) << "kept across retries";
  EXPECT_EQ(j["lease_owner"], nullptr);
  EXPECT_EQ(j["finished_at_ms"], nullptr);
  EXPECT_TRUE(store_->claim("default", "w1", 1, kNow + 999, kLease).empty()) << "not before retry_at";
  const json second = claimOne("w2", kNow + 1000);
  EXPECT_EQ(second["attempts_made"], 2);
  EXPECT_THAT(second["last_error"].get<std::string>(), HasSubstr("boom")) << "the previous error stays visible";
  EXPECT_EQ(stored("j"), second) << "a claimed retry is what the store holds";
  ASSERT_TRUE(store_->fail("j", "w2", kNow + 1010, "still broken", -1).isOk());
  j = stored("j");
  EXPECT_EQ(j["state"], "failed");
  EXPECT_EQ(j["last_error"], "still broken");
  EXPECT_EQ(j["finished_at_ms"], kNow + 1010);
  EXPECT_TRUE(store_->claim("default", "w1", 1, kNow + 5000, kLease).empty());
  expectStatus(store_->fail("j", "w2", kNow + 1011, "again", -1), WNO_ERR_PRECONDITION, "is failed");
}

TEST_P(JobStoreTest, CancelStopsWaitingJobsAtOnceAndAsksActiveOnesToStop) {
  enqueue(job("waiting"));
  ASSERT_TRUE(store_->cancel("waiting", kNow + 1).isOk());
  json w = stored("waiting");
  EXPECT_EQ(w["state"], "cancelled");
  EXPECT_EQ(w["finished_at_ms"], kNow + 1);
  EXPECT_TRUE(store_->claim("default", "w1", 5, kNow + 2, kLease).empty());
  expectStatus(store_->cancel("waiting", kNow + 3), WNO_ERR_PRECONDITION, "already cancelled");
  expectStatus(store_->cancel("missing", kNow), WNO_NOT_FOUND, "missing");

  enqueue(job("active"));
  claimOne("w1", kNow + 10);
  ASSERT_TRUE(store_->cancel("active", kNow + 11).isOk());
  json a = stored("active");
  EXPECT_EQ(a["state"], "active") << "the worker stops, then reports";
  EXPECT_EQ(a["cancel_requested"], true);
  ASSERT_TRUE(store_->cancel("active", kNow + 12).isOk()) << "asking again is fine";
  // The holder's heartbeat learns of it; the lease is still extended.
  expectStatus(store_->heartbeat("active", "w1", kNow + 20, 5000), WNO_ERR_CANCELLED, "cancelled");
  EXPECT_EQ(stored("active")["lease_expires_at_ms"], kNow + 20 + 5000);
  expectStatus(store_->heartbeat("active", "w2", kNow + 20, 5000), WNO_ERR_PRECONDITION, "not leased");
  // Reporting a failure (even one asking for a retry) ends it as cancelled.
  ASSERT_TRUE(store_->fail("active", "w1", kNow + 30, "stopped: cancelled", kNow + 40).isOk());
  a = stored("active");
  EXPECT_EQ(a["state"], "cancelled");
  EXPECT_EQ(a["finished_at_ms"], kNow + 30);
  EXPECT_TRUE(store_->claim("default", "w1", 5, kNow + 50, kLease).empty());

  // Finished jobs cannot be cancelled.
  enqueue(job("done"));
  claimOne("w1", kNow + 60);
  ASSERT_TRUE(store_->complete("done", "w1", kNow + 61).isOk());
  expectStatus(store_->cancel("done", kNow + 62), WNO_ERR_PRECONDITION, "already completed");
}

TEST_P(JobStoreTest, RetryPutsFailedAndCancelledJobsBackWithFreshAttempts) {
  enqueue(job("f", {{"max_attempts", 1}}));
  claimOne("w1");
  ASSERT_TRUE(store_->fail("f", "w1", kNow + 1, "nope", -1).isOk());
  ASSERT_TRUE(store_->retry("f", kNow + 100).isOk());
  json f = stored("f");
  EXPECT_EQ(f["state"], "waiting");
  EXPECT_EQ(f["attempts_made"], 0);
  EXPECT_EQ(f["run_at_ms"], kNow + 100);
  EXPECT_EQ(f["finished_at_ms"], nullptr);
  EXPECT_EQ(claimOne("w2", kNow + 100)["attempts_made"], 1);

  enqueue(job("c"));
  ASSERT_TRUE(store_->cancel("c", kNow).isOk());
  ASSERT_TRUE(store_->retry("c", kNow + 5).isOk());
  EXPECT_EQ(stored("c")["state"], "waiting");
  EXPECT_EQ(stored("c")["cancel_requested"], false);

  expectStatus(store_->retry("c", kNow + 6), WNO_ERR_PRECONDITION, "only failed or cancelled");
  expectStatus(store_->retry("f", kNow + 6), WNO_ERR_PRECONDITION, "is active");
  expectStatus(store_->retry("missing", kNow), WNO_NOT_FOUND, "missing");
}

TEST_P(JobStoreTest, RecoverStalledRequeuesOrFailsLapsedLeases) {
  enqueue(job("again", {{"max_attempts", 2}, {"priority", 0}}));
  enqueue(job("last", {{"max_attempts", 1}, {"priority", 1}}));
  enqueue(job("fresh", {{"priority", 2}}));
  enqueue(job("cancelled", {{"priority", 3}}));
  ASSERT_EQ(store_->claim("default", "w1", 2, kNow, 1000).size(), 2u);  // lease until kNow + 1000
  ASSERT_EQ(store_->claim("default", "w2", 2, kNow, 5000).size(), 2u);
  ASSERT_TRUE(store_->cancel("cancelled", kNow + 1).isOk());
  EXPECT_EQ(store_->recoverStalled(kNow + 1000), 0u) << "lapsed means before now";
  ASSERT_TRUE(store_->heartbeat("fresh", "w2", kNow + 4000, 5000).isOk());
  EXPECT_EQ(store_->recoverStalled(kNow + 5001), 3u);
  json again = stored("again");
  EXPECT_EQ(again["state"], "waiting");
  EXPECT_EQ(again["last_error"], "lease expired");
  EXPECT_EQ(again["lease_owner"], nullptr);
  EXPECT_EQ(again["attempts_made"], 1);
  json last = stored("last");
  EXPECT_EQ(last["state"], "failed");
  EXPECT_EQ(last["last_error"], "lease expired");
  EXPECT_EQ(last["finished_at_ms"], kNow + 5001);
  EXPECT_EQ(stored("cancelled")["state"], "cancelled") << "a cancelled job is not run again";
  EXPECT_EQ(stored("fresh")["state"], "active") << "its heartbeat kept it";
  // The old holder lost it; the requeued job is claimable by anyone.
  expectStatus(store_->complete("again", "w1", kNow + 5002), WNO_ERR_PRECONDITION, "is waiting");
  EXPECT_EQ(claimOne("w3", kNow + 5002)["id"], "again");
  EXPECT_EQ(store_->recoverStalled(kNow + 5003), 0u);
}

// ------------------------------------------------------ list, stats, purge ----

TEST_P(JobStoreTest, ListsNewestFirstWithFiltersAndAfterIdPages) {
  for (int i = 0; i < 25; ++i) {
    enqueue(job("l" + std::to_string(i), {{"queue", i % 2 ? "odd" : "even"}, {"type", i % 3 ? "a" : "b"}}));
  }
  auto all = ids(store_->list(json::object()));
  ASSERT_EQ(all.size(), 25u);
  EXPECT_EQ(all.front(), "l24");
  EXPECT_EQ(all.back(), "l0");
  EXPECT_THAT(ids(store_->list({{"queue", "odd"}, {"type", "b"}})), ElementsAre("l21", "l15", "l9", "l3"));
  EXPECT_THAT(ids(store_->list({{"limit", 3}})), ElementsAre("l24", "l23", "l22"));
  // Pages by after_id cover everything once, in order.
  std::vector<std::string> paged;
  json filter = {{"limit", 10}};
  for (;;) {
    auto page = ids(store_->list(filter));
    if (page.empty()) break;
    paged.insert(paged.end(), page.begin(), page.end());
    filter["after_id"] = page.back();
  }
  EXPECT_EQ(paged, all);
  // By state.
  store_->claim("even", "w1", 2, kNow, kLease);  // l0, l2 (same priority and run_at: enqueue order)
  EXPECT_THAT(ids(store_->list({{"state", "active"}})), ElementsAre("l2", "l0"));
  EXPECT_EQ(store_->list({{"state", "waiting"}, {"queue", "even"}}).size(), 11u);
  EXPECT_TRUE(store_->list({{"state", "failed"}}).empty());
  EXPECT_TRUE(store_->list({{"queue", "nowhere"}}).empty());
  EXPECT_THAT(ids(store_->list({{"state", "waiting"}, {"after_id", "l5"}, {"limit", 2}})), ElementsAre("l4", "l3"));
  EXPECT_EQ(store_->list({{"state", nullptr}, {"limit", 1}}).size(), 1u) << "null filters are absent ones";
}

TEST_P(JobStoreTest, StatsCountEveryStatePerQueue) {
  enqueue(job("w1"));
  enqueue(job("w2"));
  enqueue(job("d1", {{"run_at_ms", kNow + 60000}}));
  enqueue(job("a1", {{"priority", 0}}));
  enqueue(job("c1", {{"priority", 0}}));
  enqueue(job("f1", {{"priority", 0}, {"max_attempts", 1}}));
  enqueue(job("x1", {{"queue", "mail"}}));
  ASSERT_EQ(store_->claim("default", "w", 3, kNow, kLease).size(), 3u);  // a1, c1, f1
  ASSERT_TRUE(store_->complete("c1", "w", kNow).isOk());
  ASSERT_TRUE(store_->fail("f1", "w", kNow, "x", -1).isOk());
  ASSERT_TRUE(store_->cancel("x1", kNow).isOk());
  const json stats = store_->stats(kNow);
  EXPECT_EQ(stats, (json{{"queues",
                          {{"default", {{"waiting", 2}, {"delayed", 1}, {"active", 1}, {"completed", 1}, {"failed", 1},
                                        {"cancelled", 0}}},
                           {"mail", {{"waiting", 0}, {"delayed", 0}, {"active", 0}, {"completed", 0}, {"failed", 0},
                                     {"cancelled", 1}}}}}}))
      << stats.dump();
  // Delayed is relative to the time asked about.
  EXPECT_EQ(store_->stats(kNow + 60000)["queues"]["default"]["delayed"], 0);
  EXPECT_EQ(store_->stats(kNow + 60000)["queues"]["default"]["waiting"], 3);
}

TEST_P(JobStoreTest, PurgeDeletesOnlyJobsFinishedBeforeTheCutoff) {
  for (const char* id : {"old-done", "old-failed", "old-cancelled", "new-done", "running", "waiting"}) enqueue(job(id));
  ASSERT_EQ(store_->claim("default", "w", 5, kNow, kLease).size(), 5u);
  ASSERT_TRUE(store_->complete("old-done", "w", kNow + 10).isOk());
  ASSERT_TRUE(store_->fail("old-failed", "w", kNow + 10, "x", -1).isOk());
  ASSERT_TRUE(store_->cancel("old-cancelled", kNow + 10).isOk());
  ASSERT_TRUE(store_->fail("old-cancelled", "w", kNow + 10, "stopped", -1).isOk());
  ASSERT_TRUE(store_->complete("new-done", "w", kNow + 100).isOk());
  EXPECT_EQ(store_->purge(kNow + 10), 0u) << "strictly before";
  EXPECT_EQ(store_->purge(kNow + 11), 3u);
  EXPECT_FALSE(store_->get("old-done"));
  EXPECT_FALSE(store_->get("old-failed"));
  EXPECT_FALSE(store_->get("old-cancelled"));
  EXPECT_THAT(ids(store_->list(json::object())), ElementsAre("waiting", "running", "new-done"));
  // A purged id can be used again.
  EXPECT_TRUE(store_->enqueue(job("old-done")).created);
}

// ------------------------------------------------------------ durability ----

TEST_P(JobStoreTest, RecordsSurviveReopening) {
  if (!shared()) GTEST_SKIP() << "the memory store is not durable";
  enqueue(job("kept", {{"data", {{"unicode", "gm \u00e9\u4e16"}, {"n", 1.5}}}, {"run_at_ms", kNow + 60000}}));
  enqueue(job("running"));
  enqueue(job("done"));
  store_->claim("default", "w1", 2, kNow, kLease);
  ASSERT_TRUE(store_->complete("done", "w1", kNow + 1, "[1,2,3]").isOk());
  const json before = stored("kept"), running = stored("running"), done = stored("done");
  store_.reset();
  store_ = open();
  EXPECT_EQ(stored("kept"), before);
  EXPECT_EQ(stored("running"), running);
  EXPECT_EQ(stored("done"), done);
  ASSERT_TRUE(store_->heartbeat("running", "w1", kNow + 2, kLease).isOk()) << "the lease survived too";
  EXPECT_FALSE(store_->enqueue(job("kept")).created);
}

TEST_P(JobStoreTest, HostsStartingTogetherOnAFreshDatabaseAllOpenIt) {
  if (!shared()) GTEST_SKIP() << "nothing shared to migrate";
  // A fresh table/file that none of them has created yet.
  if (GetParam() == "postgres") config_["table"] = config_["table"].get<std::string>() + "_fresh";
  else config_["path"] = (dir_ / "fresh" / "jobs.db").string();
  std::vector<std::unique_ptr<JobStoreClient>> hosts(6);
  std::vector<std::string> errors(hosts.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < hosts.size(); ++i) {
    threads.emplace_back([&, i] {
      try {
        hosts[i] = open();
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < hosts.size(); ++i) {
    ASSERT_TRUE(hosts[i]) << errors[i];
    EXPECT_TRUE(hosts[i]->enqueue(job("h" + std::to_string(i))).created);
  }
  EXPECT_EQ(hosts[0]->list(json::object()).size(), hosts.size());
}

// ------------------------------------------------------------- bad input ----

TEST_P(JobStoreTest, MalformedJobsAreInvalidAndNameTheField) {
  struct Case {
    std::string text;
    std::string fragment;
  };
  auto without = [](const char* key) {
    json j = job("x");
    j.erase(key);
    return j.dump();
  };
  const std::vector<Case> cases = {
      {"{not json", "not valid JSON"},
      {"[1,2]", "must be a JSON object"},
      {without("id"), "missing field \"id\""},
      {without("type"), "missing field \"type\""},
      {without("queue"), "missing field \"queue\""},
      {without("priority"), "missing field \"priority\""},
      {without("max_attempts"), "missing field \"max_attempts\""},
      {without("run_at_ms"), "missing field \"run_at_ms\""},
      {without("created_at_ms"), "missing field \"created_at_ms\""},
      {job("x", {{"id", 5}}).dump(), "id: expected a string"},
      {job("").dump(), "id: must not be empty"},
      {job("x", {{"queue", ""}}).dump(), "queue: must not be empty"},
      {job("x", {{"priority", 4}}).dump(), "priority: expected an integer from 0 to 3"},
      {job("x", {{"priority", "high"}}).dump(), "priority"},
      {job("x", {{"max_attempts", 0}}).dump(), "max_attempts"},
      {job("x", {{"run_at_ms", "soon"}}).dump(), "run_at_ms"},
      {job("x", {{"attempts_made", -1}}).dump(), "attempts_made"},
      {job("x", {{"timeout_ms", 1.5}}).dump(), "timeout_ms"},
      {job("x", {{"backoff", "fast"}}).dump(), "backoff: expected an object"},
      {job("x", {{"backoff", {{"type", "linear"}}}}).dump(), "backoff.type"},
      {job("x", {{"backoff", {{"delay_ms", -5}}}}).dump(), "backoff.delay_ms"},
      {job("x", {{"backoff", {{"jitter", 2}}}}).dump(), "backoff.jitter"},
      {job("x", {{"state", "active"}}).dump(), "state: a new job must be \"waiting\""},
      {job("x", {{"lease_owner", "w"}}).dump(), "lease_owner: must be null"},
      {job("x", {{"result", {{"a", 1}}}}).dump(), "result: must be null"},
      {job("x", {{"cancel_requested", true}}).dump(), "cancel_requested"},
  };
  for (const auto& c : cases) {
    auto r = store_->enqueueText(c.text);
    EXPECT_EQ(r.status.code(), WNO_ERR_INVALID) << c.text;
    EXPECT_THAT(r.status.message(), HasSubstr(c.fragment)) << c.text;
  }
  EXPECT_TRUE(store_->list(json::object()).empty()) << "nothing was stored";
}

TEST_P(JobStoreTest, BadArgumentsAndFiltersAreInvalid) {
  enqueue(job("j"));
  host::Status s;
  store_->claim("default", "", 1, kNow, kLease, &s);
  expectStatus(s, WNO_ERR_INVALID, "worker");
  store_->claim("", "w", 1, kNow, kLease, &s);
  expectStatus(s, WNO_ERR_INVALID, "queue");
  store_->claim("default", "w", 1, kNow, -5, &s);
  expectStatus(s, WNO_ERR_INVALID, "lease_ms");
  store_->list({{"state", "running"}}, &s);
  expectStatus(s, WNO_ERR_INVALID, "state");
  store_->list({{"limit", 0}}, &s);
  expectStatus(s, WNO_ERR_INVALID, "limit");
  store_->list({{"limit", 5000}}, &s);
  expectStatus(s, WNO_ERR_INVALID, "limit");
  store_->list({{"colour", "red"}}, &s);
  expectStatus(s, WNO_ERR_INVALID, "unknown filter field \"colour\"");
  store_->list({{"after_id", "ghost"}}, &s);
  expectStatus(s, WNO_ERR_INVALID, "after_id: no job \"ghost\"");
  store_->list({{"queue", 3}}, &s);
  expectStatus(s, WNO_ERR_INVALID, "queue");
  // A bad config is refused at create, naming the key.
  json bad = config_;
  bad["colour"] = "red";
  auto refused = plugins().open(GetParam(), bad);
  ASSERT_FALSE(refused.isOk());
  EXPECT_EQ(refused.status().code(), WNO_ERR_INVALID);
  EXPECT_THAT(refused.status().message(), HasSubstr("colour"));
}

// ------------------------------------------------------------------ wait ----

// ------------------------------------------------ batches (ABI 1.1) ----

TEST_P(JobStoreTest, EnqueueManyStoresInArrayOrderAndAnswersEachJob) {
  ASSERT_NE(store_->vt().on_enqueue_many, nullptr) << "every shipped store has the 1.1 batch hooks";
  const json earlier = enqueue(job("a", {{"data", {{"v", "first"}}}}));
  // b twice: its second occurrence is answered as existing, like a second enqueue.
  const json batch = json::array({job("b"), job("a", {{"data", {{"v", "second"}}}}), job("c", {{"priority", 0}}),
                                  job("b", {{"priority", 3}})});
  auto r = store_->enqueueMany(batch, batch.size());
  ASSERT_TRUE(r.status.isOk()) << r.status.message();
  EXPECT_THAT(r.created, ElementsAre(1, 0, 1, 0));
  ASSERT_EQ(r.records.size(), 4u);
  EXPECT_EQ(r.records[0], job("b"));
  EXPECT_EQ(r.records[1], earlier) << "the stored job, not the new request";
  EXPECT_EQ(r.records[2]["id"], "c");
  EXPECT_EQ(r.records[3], job("b")) << "the first occurrence is what was stored";
  EXPECT_EQ(stored("b"), job("b"));
  // Claim order: priority first, then enqueue order (a before b).
  EXPECT_THAT(ids(store_->claim("default", "w1", 10, kNow, kLease)), ElementsAre("c", "a", "b"));
  // Empty batches are fine.
  auto none = store_->enqueueMany(json::array(), 0);
  EXPECT_TRUE(none.status.isOk()) << none.status.message();
  EXPECT_TRUE(none.records.empty());
}

// A big batch (PostgreSQL streams one of a few hundred new ids by COPY,
// whose text format escapes tabs, newlines and backslashes) keeps every
// record's text and the array's order; a big batch with an id that exists
// answers it as existing and stores the rest.
TEST_P(JobStoreTest, EnqueueManyOfHundredsKeepsTextOrderAndExistingIds) {
  const std::vector<std::string> awkward = {"tab\there", "new\nline", "cr\rreturn", "back\\slash", "\\N",
                                            "q\"uote", "\u00e9\u2713", ""};
  constexpr int kJobs = 300;
  json batch = json::array();
  for (int i = 0; i < kJobs; ++i) {
    const std::string text = awkward[static_cast<size_t>(i) % awkward.size()];
    batch.push_back(job("big-" + std::to_string(1000 + i) + text,
                        {{"priority", 1}, {"type", "t" + text}, {"data", {{"text", text}, {"i", i}}}}));
  }
  auto r = store_->enqueueMany(batch, batch.size());
  ASSERT_TRUE(r.status.isOk()) << r.status.message();
  ASSERT_EQ(r.records.size(), static_cast<size_t>(kJobs));
  for (int i = 0; i < kJobs; ++i) {
    const std::string id = batch[i]["id"];
    EXPECT_EQ(r.created[i], 1) << id;
    const json got = stored(id);
    EXPECT_EQ(got["type"], batch[i]["type"]) << id;
    EXPECT_EQ(got["data"], batch[i]["data"]) << id;
    EXPECT_EQ(r.records[i], got) << "the answer is the stored record";
  }
  std::vector<std::string> inOrder;
  for (const auto& j : batch) inOrder.push_back(j["id"]);
  EXPECT_EQ(ids(store_->claim("default", "w1", kJobs, kNow, kLease)), inOrder) << "enqueue order";

  json again = json::array();
  for (int i = 0; i < kJobs; ++i) again.push_back(job("again-" + std::to_string(i)));
  again[kJobs / 2] = batch[7];  // exists
  auto second = store_->enqueueMany(again, again.size());
  ASSERT_TRUE(second.status.isOk()) << second.status.message();
  for (int i = 0; i < kJobs; ++i) EXPECT_EQ(second.created[i], i == kJobs / 2 ? 0 : 1) << i;
  EXPECT_EQ(second.records[kJobs / 2]["id"], batch[7]["id"]);
  EXPECT_EQ(second.records[kJobs / 2]["state"], "active") << "the stored job, claimed above";
  EXPECT_EQ(stored("again-" + std::to_string(kJobs - 1))["state"], "waiting");
}

// A batch is bound however the store likes (one document, one array per
// column): whatever text a record holds is stored and read back unchanged.
TEST_P(JobStoreTest, EnqueueManyKeepsAwkwardTextExactly) {
  const std::vector<std::string> awkward = {"q\"uote", "back\\slash", "a,b{c}", "NULL", " spaced ", "\u00e9\u2713"};
  json batch = json::array();
  for (size_t i = 0; i < awkward.size(); ++i) {
    batch.push_back(job(awkward[i], {{"type", awkward[(i + 1) % awkward.size()]},
                                     {"queue", awkward[(i + 2) % awkward.size()]},
                                     {"data", {{"text", awkward[i]}, {"list", json::array({nullptr, "NULL", "", 1.5})},
                                               {"nested", {{"k", "{\"x\":[1,2]}"}}}}},
                                     {"backoff", {{"type", "fixed"}, {"delay_ms", 7}, {"jitter", 0.25}}}}));
  }
  auto r = store_->enqueueMany(batch, batch.size());
  ASSERT_TRUE(r.status.isOk()) << r.status.message();
  for (size_t i = 0; i < awkward.size(); ++i) {
    const json got = stored(awkward[i]);
    EXPECT_EQ(got["type"], awkward[(i + 1) % awkward.size()]);
    EXPECT_EQ(got["queue"], awkward[(i + 2) % awkward.size()]);
    EXPECT_EQ(got["data"], batch[i]["data"]);
    EXPECT_EQ(got["backoff"], batch[i]["backoff"]);
    EXPECT_EQ(r.records[i], got) << "the answer is the stored record";
  }
}

TEST_P(JobStoreTest, EnqueueManyIsAllOrNothingAndNamesTheBadJob) {
  const json batch = json::array({job("ok"), job("bad", {{"priority", 7}})});
  auto r = store_->enqueueMany(batch, batch.size());
  expectStatus(r.status, WNO_ERR_INVALID, "jobs[1]");
  EXPECT_THAT(r.status.message(), HasSubstr("priority"));
  EXPECT_FALSE(store_->get("ok").has_value()) << "nothing of a refused batch is stored";
  expectStatus(store_->enqueueMany(json::array({job("x")}), 2).status, WNO_ERR_INVALID, "count");
  expectStatus(store_->enqueueManyText("{\"id\":1}", 1).status, WNO_ERR_INVALID, "array");
  EXPECT_FALSE(store_->get("x").has_value());
}

TEST_P(JobStoreTest, ManyJobsInOneBatchAreEachStoredOnce) {
  json batch = json::array();
  for (int i = 0; i < 2000; ++i) batch.push_back(job("bulk-" + std::to_string(i)));
  auto r = store_->enqueueMany(batch, batch.size());
  ASSERT_TRUE(r.status.isOk()) << r.status.message();
  EXPECT_EQ(std::count(r.created.begin(), r.created.end(), 1), 2000);
  const auto claimed = store_->claim("default", "w1", 1000, kNow, kLease);
  ASSERT_EQ(claimed.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(claimed[i]["id"], "bulk-" + std::to_string(i)) << "enqueue order";
  // Again: every one exists now.
  auto again = store_->enqueueMany(batch, batch.size());
  ASSERT_TRUE(again.status.isOk()) << again.status.message();
  EXPECT_EQ(std::count(again.created.begin(), again.created.end(), 0), 2000);
}

TEST_P(JobStoreTest, FinishManyAppliesEachItemAndRefusesPerItem) {
  ASSERT_NE(store_->vt().on_finish_many, nullptr);
  for (const char* id : {"done", "retry", "dead", "back", "theirs"}) enqueue(job(id));
  ASSERT_EQ(store_->claim("default", "w1", 4, kNow, kLease).size(), 4u);
  claimOne("w2");  // "theirs"
  const json items = json::array({
      {{"id", "done"}, {"outcome", "complete"}, {"now_ms", kNow + 10}, {"result", {{"n", 1}}}},
      {{"id", "retry"}, {"outcome", "fail"}, {"now_ms", kNow + 11}, {"error", "boom"}, {"retry_at_ms", kNow + 500}},
      {{"id", "dead"}, {"outcome", "fail"}, {"now_ms", kNow + 12}, {"error", "bad data"}, {"retry_at_ms", -1}},
      {{"id", "back"}, {"outcome", "release"}, {"now_ms", kNow + 13}, {"error", "host shutting down"}},
      {{"id", "theirs"}, {"outcome", "complete"}, {"now_ms", kNow + 14}},
      {{"id", "missing"}, {"outcome", "complete"}, {"now_ms", kNow + 15}},
  });
  auto r = store_->finishMany("w1", items);
  ASSERT_TRUE(r.status.isOk()) << r.status.message();
  EXPECT_THAT(r.statuses, ElementsAre(WNO_OK, WNO_OK, WNO_OK, WNO_OK, WNO_ERR_PRECONDITION, WNO_NOT_FOUND));
  EXPECT_THAT(r.messages[4], HasSubstr("not leased to worker \"w1\""));
  EXPECT_THAT(r.messages[5], HasSubstr("missing"));
  EXPECT_EQ(r.messages.size(), 2u) << "refusals only";

  const json done = stored("done");
  EXPECT_EQ(done["state"], "completed");
  EXPECT_EQ(done["result"], (json{{"n", 1}}));
  EXPECT_EQ(done["finished_at_ms"], kNow + 10) << "each item's own time, not the batch's";
  EXPECT_EQ(done["lease_owner"], nullptr);
  const json retry = stored("retry");
  EXPECT_EQ(retry["state"], "waiting");
  EXPECT_EQ(retry["run_at_ms"], kNow + 500);
  EXPECT_EQ(retry["attempts_made"], 1);
  EXPECT_EQ(retry["last_error"], "boom");
  const json dead = stored("dead");
  EXPECT_EQ(dead["state"], "failed");
  EXPECT_EQ(dead["finished_at_ms"], kNow + 12);
  const json back = stored("back");
  EXPECT_EQ(back["state"], "waiting");
  EXPECT_EQ(back["attempts_made"], 0) << "a hand-back does not count as an attempt";
  EXPECT_EQ(back["run_at_ms"], kNow + 13);
  EXPECT_EQ(back["last_error"], "host shutting down");
  EXPECT_EQ(back["lease_owner"], nullptr);
  EXPECT_EQ(back["finished_at_ms"], nullptr);
  EXPECT_EQ(stored("theirs")["state"], "active") << "a refused item changes nothing";
  // The released job runs again as its first attempt.
  const auto again = store_->claim("default", "w3", 5, kNow + 20, kLease);
  ASSERT_EQ(ids(again), std::vector<std::string>{"back"});
  EXPECT_EQ(again[0]["attempts_made"], 1);
  // Finished jobs refuse a second report.
  auto twice = store_->finishMany("w1", json::array({{{"id", "done"}, {"outcome", "complete"}, {"now_ms", kNow + 30}}}));
  ASSERT_TRUE(twice.status.isOk());
  EXPECT_THAT(twice.statuses, ElementsAre(WNO_ERR_PRECONDITION));
  EXPECT_THAT(twice.messages[0], HasSubstr("is completed"));
}

// A batch is bound however the store likes (one document, one array per
// column): whatever text a handler or an id holds comes back unchanged.
TEST_P(JobStoreTest, FinishManyKeepsAwkwardTextExactly) {
  const std::vector<std::string> awkward = {"q\"uote", "back\\slash", "a,b{c}", "NULL", " spaced "};
  for (const auto& id : awkward) enqueue(job(id));
  ASSERT_EQ(store_->claim("default", "w1", 5, kNow, kLease).size(), 5u);
  const std::string error = "line 1\nline \"2\" \\ {x,y} NULL \u00e9\u2713";
  const json result = {{"text", "a\"b\\c,{d}"}, {"nested", json::array({nullptr, "NULL", ""})}};
  json items = json::array();
  items.push_back({{"id", awkward[0]}, {"outcome", "complete"}, {"now_ms", kNow + 1}, {"result", result}});
  items.push_back({{"id", awkward[1]}, {"outcome", "fail"}, {"now_ms", kNow + 2}, {"error", error}, {"retry_at_ms", -1}});
  items.push_back({{"id", awkward[2]}, {"outcome", "fail"}, {"now_ms", kNow + 3}, {"error", ""}, {"retry_at_ms", kNow + 50}});
  items.push_back({{"id", awkward[3]}, {"outcome", "complete"}, {"now_ms", kNow + 4}, {"result", "NULL"}});
  items.push_back({{"id", awkward[4]}, {"outcome", "release"}, {"now_ms", kNow + 5}, {"error", "bye"}});
  auto r = store_->finishMany("w1", items);
  ASSERT_TRUE(r.status.isOk()) << r.status.message();
  EXPECT_THAT(r.statuses, ElementsAre(WNO_OK, WNO_OK, WNO_OK, WNO_OK, WNO_OK));
  EXPECT_EQ(stored(awkward[0])["result"], result);
  EXPECT_EQ(stored(awkward[1])["state"], "failed");
  EXPECT_EQ(stored(awkward[1])["last_error"], error);
  EXPECT_EQ(stored(awkward[2])["state"], "waiting");
  EXPECT_EQ(stored(awkward[2])["last_error"], "");
  EXPECT_EQ(stored(awkward[3])["result"], "NULL") << "the string, not a missing result";
  EXPECT_EQ(stored(awkward[4])["state"], "waiting");
}

TEST_P(JobStoreTest, FinishManyEndsCancelRequestedJobsAsCancelled) {
  enqueue(job("released"));
  enqueue(job("failed"));
  enqueue(job("completed"));
  ASSERT_EQ(store_->claim("default", "w1", 3, kNow, kLease).size(), 3u);
  for (const char* id : {"released", "failed", "completed"}) ASSERT_TRUE(store_->cancel(id, kNow + 1).isOk());
  auto r = store_->finishMany("w1", json::array({
                                        {{"id", "released"}, {"outcome", "release"}, {"now_ms", kNow + 2}, {"error", "stop"}},
                                        {{"id", "failed"}, {"outcome", "fail"}, {"now_ms", kNow + 3}, {"error", "x"},
                                         {"retry_at_ms", kNow + 100}},
                                        {{"id", "completed"}, {"outcome", "complete"}, {"now_ms", kNow + 4}},
                                    }));
  ASSERT_TRUE(r.status.isOk()) << r.status.message();
  EXPECT_THAT(r.statuses, ElementsAre(WNO_OK, WNO_OK, WNO_OK));
  EXPECT_EQ(stored("released")["state"], "cancelled");
  EXPECT_EQ(stored("released")["finished_at_ms"], kNow + 2);
  EXPECT_EQ(stored("failed")["state"], "cancelled");
  EXPECT_EQ(stored("completed")["state"], "completed") << "as on_complete: the work was done";
}

TEST_P(JobStoreTest, FinishManyRefusesMalformedItemsNamingThem) {
  enqueue(job("j"));
  claimOne("w1");
  auto bad = store_->finishMany("w1", json::array({{{"id", "j"}, {"outcome", "explode"}, {"now_ms", kNow}}}));
  expectStatus(bad.status, WNO_ERR_INVALID, "items[0].outcome");
  auto noTime = store_->finishMany("w1", json::array({{{"id", "j"}, {"outcome", "complete"}}}));
  expectStatus(noTime.status, WNO_ERR_INVALID, "items[0].now_ms");
  EXPECT_EQ(stored("j")["state"], "active") << "nothing applied";
}

TEST_P(JobStoreTest, WaitReturnsAtOnceWhenWorkIsRunnableAndTimesOutOtherwise) {
  ASSERT_NE(store_->vt().on_wait, nullptr);
  ASSERT_TRUE(store_->wait("empty", 50).isOk()) << "an empty queue: the timeout ends the wait";
  enqueue(job("ready", {{"run_at_ms", 1}}));
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(store_->wait("default", 60000).isOk());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30)) << "runnable work: no sleep";
}

TEST_P(JobStoreTest, WaitWakesWhenAnotherHostEnqueues) {
  auto other = shared() ? open() : nullptr;  // the enqueue comes from another instance on the database
  const JobStoreClient& producer = other ? *other : *store_;
  std::atomic<bool> woke{false};
  const auto start = std::chrono::steady_clock::now();
  std::thread waiter([&] {
    EXPECT_TRUE(store_->wait("wake", 60000).isOk());
    woke = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(woke) << "nothing to do yet";
  auto r = producer.enqueue(job("ping", {{"queue", "wake"}, {"run_at_ms", 1}}));
  ASSERT_TRUE(r.created) << r.status.message();
  waiter.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30)) << "woken, not timed out";
}

// PostgreSQL restarts under a running store: calls fail as UNAVAILABLE (never
// crash or hang) while it is down, then work again, and wait() wakes again
// once the listener has reconnected.
class PostgresJobStoreTest : public JobStoreTest {};

TEST_P(PostgresJobStoreTest, RestartIsUnavailableThenRecovers) {
  enqueue(job("before"));
  ASSERT_TRUE(store_->wait("default", 10).isOk());  // the listener is up
  // The test server commits asynchronously (synchronous_commit=off) and stops
  // like a crash: give its WAL writer (every 200 ms, at most 3 rounds) time to
  // write the table out, or the restart would lose it.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  postgresServer().stop();
  const auto down = store_->enqueue(job("during"));
  EXPECT_EQ(down.status.code(), WNO_ERR_UNAVAILABLE) << down.status.message();
  postgresServer().start();
  EXPECT_TRUE(eventually([&] { return store_->enqueue(job("after")).status.isOk(); }, kStoreWait));
  EXPECT_EQ(stored("before")["state"], "waiting");
  EXPECT_EQ(claimOne()["id"], "before");
  // Waits work again (the listener reconnects) and end on another host's enqueue.
  auto other = open();
  const auto begin = std::chrono::steady_clock::now();
  std::thread waiter([&] { EXPECT_TRUE(store_->wait("wake", 60000).isOk()); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(other->enqueue(job("ping", {{"queue", "wake"}, {"run_at_ms", 1}})).created);
  waiter.join();
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(30)) << "woken, not timed out";
}

// Renewals and recovery never wait for a row lock: a row another session
// holds (its owner's finish batch in flight, or another host's claim that
// passed it) is skipped, and every other lease renewed at once. Waiting
// there let leases lapse under load, and deadlocked against finish batches.
// The skipped row's lease is still extended, beside the row: recovery does
// not take it back until that extension lapses too.
TEST_P(PostgresJobStoreTest, HeartbeatManySkipsLockedRowsButStillExtendsTheirLeases) {
  for (const char* id : {"held", "free"}) enqueue(job(id));
  ASSERT_EQ(store_->claim("default", "w1", 2, kNow, 1000).size(), 2u);  // leases until kNow + 1000
  const std::string table = config_["table"];
  auto lockedElsewhere = [&] {
    return !postgresServer().psql("SELECT 1 FROM " + table + " WHERE id = 'held' FOR UPDATE NOWAIT");
  };
  ASSERT_TRUE(postgresServer().psql(
      "BEGIN; SELECT 1 FROM " + table + " WHERE id = 'held' FOR UPDATE; SELECT pg_sleep(3); COMMIT;", true));
  ASSERT_TRUE(eventually(lockedElsewhere, std::chrono::seconds(10)));
  const auto r = store_->heartbeatMany("w1", {"held", "free"}, kNow + 500, 5000);
  ASSERT_TRUE(r.status.isOk()) << r.status.message();
  EXPECT_THAT(r.statuses, ElementsAre(WNO_OK, WNO_OK));
  EXPECT_EQ(stored("free")["lease_expires_at_ms"], kNow + 500 + 5000);
  EXPECT_EQ(stored("held")["lease_expires_at_ms"], kNow + 1000) << "the row itself was not touched";
  ASSERT_TRUE(eventually([&] { return !lockedElsewhere(); }, std::chrono::seconds(10)));
  // Past the row's own lease, within the extension: kept.
  EXPECT_EQ(store_->recoverStalled(kNow + 1001), 0u);
  EXPECT_EQ(stored("held")["state"], "active");
  // Past both: taken back, like any lapsed lease.
  EXPECT_EQ(store_->recoverStalled(kNow + 5501), 2u);
  EXPECT_EQ(stored("held")["state"], "waiting");
  EXPECT_EQ(stored("held")["last_error"], "lease expired");
}

// Recovery never waits for a row lock either: a locked row with a lapsed
// lease is left to the next pass.
TEST_P(PostgresJobStoreTest, RecoverySkipsRowsLockedElsewhere) {
  for (const char* id : {"held", "free"}) enqueue(job(id));
  ASSERT_EQ(store_->claim("default", "w1", 2, kNow, 1000).size(), 2u);
  const std::string table = config_["table"];
  ASSERT_TRUE(postgresServer().psql(
      "BEGIN; SELECT 1 FROM " + table + " WHERE id = 'held' FOR UPDATE; SELECT pg_sleep(3); COMMIT;", true));
  ASSERT_TRUE(eventually([&] {
    return !postgresServer().psql("SELECT 1 FROM " + table + " WHERE id = 'held' FOR UPDATE NOWAIT");
  }, std::chrono::seconds(10)));
  EXPECT_EQ(store_->recoverStalled(kNow + 60000), 1u);
  EXPECT_EQ(stored("free")["state"], "waiting");
  EXPECT_EQ(stored("held")["state"], "active") << "its row was locked: left to the next pass";
}

// A claim that waited (for the table, for a connection) before writing its
// leases counts them from when it wrote them: counted from when the host
// asked, rows claimed on a loaded machine arrived with their leases already
// lapsed, and another host's recovery ran those jobs a second time.
TEST_P(PostgresJobStoreTest, AClaimThatWaitedCountsItsLeasesFromWhenItWroteThem) {
  for (const char* id : {"a", "b"}) enqueue(job(id));
  json config = config_;
  config["pool_size"] = 1;  // the second claim waits for the first one's connection
  config["pool_wait_ms"] = 30000;
  auto r = plugins().open("postgres", config);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  auto store = std::move(r).value();
  // Prepared before the lock: the first claim then waits in the statement
  // itself (the server's time), the second one for the connection (the store's).
  EXPECT_TRUE(store->claim("elsewhere", "w0", 1, kNow, kLease).empty());
  const std::string table = config_["table"];
  ASSERT_TRUE(postgresServer().psql("BEGIN; LOCK TABLE " + table + " IN EXCLUSIVE MODE; SELECT pg_sleep(1.5); COMMIT;", true));
  // Held once the lock shows (the division fails while it does not).
  ASSERT_TRUE(eventually([&] {
    return postgresServer().psql("SELECT 1 / count(*)::int FROM pg_locks WHERE mode = 'ExclusiveLock' AND relation = '" +
                                 table + "'::regclass");
  }, std::chrono::seconds(10)));
  constexpr int64_t kShortLease = 2000;  // a write later than 200 ms counts from when it happened
  const auto asked = std::chrono::steady_clock::now();
  std::vector<json> claimed(2);
  std::vector<std::thread> claimers;
  for (int i = 0; i < 2; ++i) {
    claimers.emplace_back([&, i] {
      try {
        auto jobs = store->claim("default", "w" + std::to_string(i), 1, kNow, kShortLease);
        if (jobs.size() == 1) claimed[i] = jobs[0];
      } catch (const std::exception& e) {
        ADD_FAILURE() << "claim " << i << ": " << e.what();
      }
    });
  }
  for (auto& t : claimers) t.join();
  const int64_t tookMs =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - asked).count();
  for (const json& c : claimed) {
    ASSERT_TRUE(c.is_object()) << "both claims got a job";
    const int64_t late = c["started_at_ms"].get<int64_t>() - kNow;
    EXPECT_GT(late, kShortLease / 10) << c.dump();
    EXPECT_LE(late, tookMs + 1) << "no later than the claim returned";
    EXPECT_EQ(c["lease_expires_at_ms"], c["started_at_ms"].get<int64_t>() + kShortLease);
    EXPECT_EQ(stored(c["id"]), c);
  }
  // Renewed on time, the leases are exactly as asked again.
  const auto renewed = store->heartbeatMany("w0", {claimed[0]["id"].get<std::string>()}, kNow + 3000, kShortLease);
  ASSERT_TRUE(renewed.status.isOk());
  EXPECT_EQ(stored(claimed[0]["id"])["lease_expires_at_ms"], kNow + 3000 + kShortLease);
}

// Recovery finds the active jobs through the claims rows (one per claim
// statement). A host deletes its rows once their jobs are done there, with
// its next claim; recovery deletes the rows of hosts that are gone once none
// of their jobs is active in that claim.
TEST_P(PostgresJobStoreTest, ClaimsRowsGoOnceTheirJobsAreDone) {
  const std::string claims = config_["table"].get<std::string>() + "_claims";
  auto claimsRows = [&](int n) {
    return postgresServer().psql("SELECT 1 / (count(*) = " + std::to_string(n) + ")::int FROM " + claims);
  };
  for (const char* id : {"a", "b", "c", "d"}) enqueue(job(id));
  ASSERT_EQ(store_->claim("default", "w1", 2, kNow, kLease).size(), 2u);
  EXPECT_TRUE(claimsRows(1));
  ASSERT_TRUE(store_->complete("a", "w1", kNow + 1).isOk());
  ASSERT_TRUE(store_->fail("b", "w1", kNow + 1, "boom", -1).isOk());
  EXPECT_TRUE(claimsRows(1)) << "deleted with the next claim, not in a round trip of its own";
  ASSERT_EQ(store_->claim("default", "w1", 1, kNow + 2, kLease).size(), 1u);  // c
  EXPECT_TRUE(claimsRows(1)) << "a and b's row went, c's came";
  {
    auto gone = open();
    ASSERT_EQ(gone->claim("default", "w9", 1, kNow, 1000).size(), 1u);  // d, until kNow + 1000
  }
  EXPECT_TRUE(claimsRows(2));
  EXPECT_EQ(store_->recoverStalled(kNow + 1001), 1u);
  EXPECT_EQ(stored("d")["state"], "waiting");
  EXPECT_EQ(stored("c")["state"], "active");
  EXPECT_TRUE(claimsRows(1)) << "the gone host's row went in the same pass; c's stays";
}

// A finish that did not reach the database leaves the job active, and its
// claims row must stay for recovery to find it once the lease lapses: the
// host may give up recording that end (it retries a few times, then lets
// the lease lapse and the job run again).
TEST_P(PostgresJobStoreTest, AFinishThatFailedKeepsTheJobFindableByRecovery) {
  for (const char* id : {"a", "b"}) enqueue(job(id));
  ASSERT_EQ(store_->claim("default", "w1", 1, kNow, 1000).size(), 1u);  // a, until kNow + 1000
  // The test server commits asynchronously and stops like a crash: give its
  // WAL writer time to write the claim out.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  postgresServer().stop();
  EXPECT_EQ(store_->complete("a", "w1", kNow + 1).code(), WNO_ERR_UNAVAILABLE);
  postgresServer().start();
  EXPECT_TRUE(eventually([&] {
    try {
      return store_->claim("default", "w1", 1, kNow + 2, kLease).size() == 1;  // b
    } catch (const std::exception&) {
      return false;
    }
  }, kStoreWait));
  EXPECT_EQ(store_->recoverStalled(kNow + 1001), 1u);
  EXPECT_EQ(stored("a")["state"], "waiting");
  EXPECT_EQ(stored("a")["last_error"], "lease expired");
}

// A table the previous schemas made (the id its primary key, `state` in
// the index predicates, an index over the active jobs, no claims rows) is
// migrated when a store opens it: every job keeps its state, waiting ones
// are claimed in order, an active one is still found by recovery, the
// flags the new indexes are keyed on are checked against the state from
// then on, and the ids move to their own table: an existing one is still
// refused as new, a new one is enqueued after the old jobs.
TEST_P(PostgresJobStoreTest, ATableOfTheOlderSchemaIsMigratedWithItsJobs) {
  const std::string table = config_["table"].get<std::string>() + "_v1";
  const std::string t = "\"" + table + "\"";
  std::string sql =
      "CREATE TABLE " + t +
      " (seq BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE, id TEXT PRIMARY KEY, type TEXT NOT NULL, queue TEXT NOT NULL,"
      " priority SMALLINT NOT NULL, data JSON NOT NULL, state TEXT NOT NULL, attempts_made BIGINT NOT NULL,"
      " max_attempts BIGINT NOT NULL, backoff_type TEXT NOT NULL, backoff_delay_ms BIGINT NOT NULL,"
      " backoff_jitter DOUBLE PRECISION NOT NULL, timeout_ms BIGINT NOT NULL, run_at_ms BIGINT NOT NULL,"
      " created_at_ms BIGINT NOT NULL, started_at_ms BIGINT, finished_at_ms BIGINT, lease_owner TEXT,"
      " lease_expires_at_ms BIGINT, last_error TEXT, result JSON, cancel_requested BOOLEAN NOT NULL DEFAULT false);"
      " CREATE INDEX \"" + table + "_claim\" ON " + t + " (queue, priority, run_at_ms, seq) WHERE state = 'waiting';"
      " CREATE INDEX \"" + table + "_active\" ON " + t + " (seq) WHERE state = 'active';"
      " CREATE INDEX \"" + table + "_ended_badly\" ON " + t + " (seq) WHERE state IN ('failed', 'cancelled');";
  // id, state, priority, attempts, lease owner and expiry, finish time
  const std::vector<std::string> rows = {
      "'late', 'waiting', 1, 0, NULL, NULL, NULL",     "'first', 'waiting', 0, 0, NULL, NULL, NULL",
      "'held', 'active', 0, 1, 'w0', " + std::to_string(kNow - 1) + ", NULL",
      "'done', 'completed', 0, 1, NULL, NULL, " + std::to_string(kNow - 5),
      "'broke', 'failed', 0, 3, NULL, NULL, " + std::to_string(kNow - 5),
      "'stopped', 'cancelled', 0, 0, NULL, NULL, " + std::to_string(kNow - 5)};
  for (const auto& row : rows) {
    sql += " INSERT INTO " + t +
           " (type, queue, data, max_attempts, backoff_type, backoff_delay_ms, backoff_jitter, timeout_ms, run_at_ms,"
           " created_at_ms, id, state, priority, attempts_made, lease_owner, lease_expires_at_ms, finished_at_ms)"
           " VALUES ('t', 'default', '{}', 3, 'fixed', 10, 0, 0, " + std::to_string(kNow - 10) + ", " +
           std::to_string(kNow - 10) + ", " + row + ");";
  }
  ASSERT_TRUE(postgresServer().psql(sql));
  json config = config_;
  config["table"] = table;
  auto opened = plugins().open("postgres", config);
  ASSERT_TRUE(opened.isOk()) << opened.status().message();
  auto store = std::move(opened).value();

  const std::map<std::string, std::string> states = {{"late", "waiting"},  {"first", "waiting"},
                                                     {"held", "active"},   {"done", "completed"},
                                                     {"broke", "failed"},  {"stopped", "cancelled"}};
  for (const auto& [id, state] : states) EXPECT_EQ(store->get(id).value_or(json())["state"], state) << id;
  EXPECT_THAT(ids(store->claim("default", "w1", 5, kNow, kLease)), ElementsAre("first", "late"));
  EXPECT_EQ(store->recoverStalled(kNow), 1u) << "the old host's lapsed lease";
  EXPECT_EQ(store->get("held").value_or(json())["state"], "waiting");
  EXPECT_THAT(ids(store->list({{"state", "failed"}})), ElementsAre("broke"));
  EXPECT_THAT(ids(store->list({{"state", "cancelled"}})), ElementsAre("stopped"));
  EXPECT_FALSE(postgresServer().psql("UPDATE " + t + " SET state = 'waiting' WHERE id = 'done'"))
      << "a state without its flags is refused";
  EXPECT_FALSE(postgresServer().psql("SELECT 1 / count(*)::int FROM pg_indexes WHERE indexname IN ('" + table +
                                     "_claim', '" + table + "_active', '" + table + "_ended_badly')"))
      << "the old indexes are gone";
  EXPECT_FALSE(postgresServer().psql("SELECT 1 / (count(*) - 1)::int FROM pg_index i JOIN pg_attribute a"
                                     " ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] WHERE i.indisprimary"
                                     " AND i.indrelid = '" + t + "'::regclass AND a.attname = 'seq'"))
      << "the jobs table is keyed on seq";
  EXPECT_FALSE(store->enqueue(job("done")).created) << "an id of the old table is still taken";
  const auto single = store->enqueue(job("new-single", {{"priority", 0}}));
  EXPECT_TRUE(single.created) << single.status.message();
  auto batch = store->enqueueMany(json::array({job("broke"), job("new-batch", {{"priority", 0}})}), 2);
  ASSERT_TRUE(batch.status.isOk()) << batch.status.message();
  EXPECT_THAT(batch.created, ElementsAre(0, 1));
  EXPECT_THAT(ids(store->claim("default", "w1", 5, kNow, kLease)), ElementsAre("held", "new-single", "new-batch"))
      << "recovered first (enqueued first), then the new ones in enqueue order";
  // Opening it again changes nothing.
  auto again = plugins().open("postgres", config);
  ASSERT_TRUE(again.isOk()) << again.status().message();
  EXPECT_EQ(store->get("done").value_or(json())["state"], "completed");
}

INSTANTIATE_TEST_SUITE_P(Stores, JobStoreTest, ::testing::Values("memory", "sqlite", "postgres"),
                         [](const auto& info) { return info.param; });
INSTANTIATE_TEST_SUITE_P(Stores, PostgresJobStoreTest, ::testing::Values("postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace wno::test
