// The host job service in-process over real job store plugins (memory and
// sqlite) and a scriptable SDK handler: priority order, retries with
// backoff, dead letters, timeouts, cancel, abandoning a hung handler,
// pausing above load with hysteresis, and giving jobs back at shutdown.
#include "eventually.h"
#include "fake_http_server.h"
#include "jobs/job_service.h"
#include "plugins/plugin_manager.h"
#include "services/host_api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace wno::host::jobs {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

using test::eventually;

std::filesystem::path tempDir() {
  static int n = 0;
  auto dir = std::filesystem::temp_directory_path() /
             ("wno-jobsvc-" + std::to_string(::getpid()) + "-" + std::to_string(++n));
  std::filesystem::create_directories(dir);
  return dir;
}

// One host's job system, built the way HostRuntime builds it.
class JobHost {
 public:
  static constexpr const char* kOldStore = "memory_abi_1_0";

  JobHost(std::string store, json section) : dir_(tempDir()) {
    PluginRefusal refusal;
    PluginSpec handlerPlugin;
    handlerPlugin.name = "test_jobs";
    if (!manager_.load(handlerPlugin, {WNO_FIXTURE_PLUGIN_DIR}, refusal).isOk()) throw std::runtime_error(refusal.line());
    PluginSpec storePlugin;
    storePlugin.name = store == "sqlite" ? store : "memory_job_store";
    // The memory store built to target ABI 1.0: no batch hooks, so the host
    // must fall back to one 1.0 call per job.
    if (store == kOldStore) storePlugin.file = std::string(WNO_FIXTURE_PLUGIN_DIR) + "/wno_memory_job_store_v1_0.so";
    if (!manager_.load(storePlugin, {WNO_TEST_PLUGIN_DIR}, refusal).isOk()) throw std::runtime_error(refusal.line());
    if (store == kOldStore) store = "memory";

    section["store"] = {{"type", store},
                        {"config", store == "sqlite" ? json{{"path", (dir_ / "jobs.db").string()}} : json::object()}};
    if (!section.contains("handlers")) section["handlers"] = {{{"type", "work"}, {"handler", "test_job"}}};
    if (!section.contains("poll_ms")) section["poll_ms"] = 20;
    std::vector<std::string> errors;
    auto config = jobsConfigFrom(section, errors);
    if (!config) throw std::runtime_error(errors.front());
    auto storeInstance = JobStoreInstance::create(manager_.find(WNO_KIND_JOB_STORE, store), hostApiTable(), &services,
                                                  store, section["store"]["config"]);
    if (!storeInstance.isOk()) throw std::runtime_error(storeInstance.status().message());
    HandlerMap handlers;
    for (const auto& [type, t] : config->types) {
      auto h = JobHandlerInstance::create(manager_.find(WNO_KIND_JOB_HANDLER, t.handler), hostApiTable(), &services,
                                          type, {{"log_path", logPath()}});
      if (!h.isOk()) throw std::runtime_error(h.status().message());
      handlers.emplace(type, std::move(h).value());
    }
    service = std::make_unique<JobService>(std::move(*config),
                                           std::make_unique<JobStoreClient>(std::move(storeInstance).value()),
                                           std::move(handlers), services);
    services.setJobs(service.get());
  }
  ~JobHost() {
    service->stop(std::chrono::seconds(5));
    services.setJobs(nullptr);
    service.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string logPath() const { return (dir_ / "runs.log").string(); }

  std::string add(json request) {
    if (!request.contains("type")) request["type"] = "work";
    auto r = service->enqueueRequest(request);
    if (!r.isOk()) throw std::runtime_error(r.status().message());
    return r.value().record["id"];
  }
  json job(const std::string& id) {
    auto r = service->get(id);
    if (!r.isOk() || !r.value()) throw std::runtime_error("no job " + id);
    return *r.value();
  }
  std::string state(const std::string& id) { return job(id)["state"]; }
  bool reaches(const std::string& id, const std::string& wanted, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    return eventually([&] { return state(id) == wanted; }, limit);
  }
  // (attempt, unix ms, outcome) of each run of a job, from the handler's log.
  std::vector<std::tuple<int, int64_t, std::string>> runs(const std::string& id) {
    std::vector<std::tuple<int, int64_t, std::string>> out;
    std::ifstream in(logPath());
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string job, outcome;
      int attempt = 0, pid = 0;
      int64_t at = 0;
      fields >> job >> attempt >> pid >> at >> outcome;
      if (job == id) out.emplace_back(attempt, at, outcome);
    }
    return out;
  }

  HostServices services;

 private:
  std::filesystem::path dir_;
  PluginManager manager_{hostApiTable(), &services};

 public:
  std::unique_ptr<JobService> service;
};

class JobServiceTest : public ::testing::TestWithParam<std::string> {};

TEST_P(JobServiceTest, RunsByPriorityThenInEnqueueOrder) {
  JobHost host(GetParam(), {{"queues", {{{"name", "default"}, {"concurrency", 1}}}}});
  // Enqueued before the workers start, so every job waits and order is the store's.
  const std::string low = host.add({{"priority", "low"}});
  const std::string normal1 = host.add({{"priority", "normal"}});
  const std::string critical = host.add({{"priority", "critical"}});
  const std::string high = host.add({{"priority", "high"}});
  const std::string normal2 = host.add({});
  host.service->start();
  const std::vector<std::string> expected = {critical, high, normal1, normal2, low};
  for (const auto& id : expected) ASSERT_TRUE(host.reaches(id, "completed")) << id;
  std::vector<int64_t> seq;
  for (const auto& id : expected) seq.push_back(host.job(id)["result"]["seq"]);
  EXPECT_TRUE(std::is_sorted(seq.begin(), seq.end())) << ::testing::PrintToString(seq);
}

TEST_P(JobServiceTest, RetriesWithFixedBackoffThenDeadLetters) {
  JobHost host(GetParam(), {});
  host.service->start();
  const std::string id = host.add({{"data", {{"fail_attempts", 10}}}, {"attempts", 3},
                                   {"backoff", {{"type", "fixed"}, {"delay_ms", 200}}}});
  ASSERT_TRUE(host.reaches(id, "failed"));
  const json job = host.job(id);
  EXPECT_EQ(job["attempts_made"], 3);
  EXPECT_THAT(job["last_error"].get<std::string>(), HasSubstr("planned failure of attempt 3"));
  const auto runs = host.runs(id);
  ASSERT_EQ(runs.size(), 3u);
  for (size_t i = 1; i < runs.size(); ++i) {
    const int64_t gap = std::get<1>(runs[i]) - std::get<1>(runs[i - 1]);
    EXPECT_GE(gap, 200) << "retry " << i << " ran before its backoff";
    EXPECT_LT(gap, 200 + 2000) << "retry " << i << " waited far past its backoff";
  }
}

TEST_P(JobServiceTest, ExponentialBackoffDoublesAndTheJobCompletesOnALaterAttempt) {
  JobHost host(GetParam(), {});
  host.service->start();
  const std::string id = host.add({{"data", {{"fail_attempts", 2}}}, {"attempts", 5},
                                   {"backoff", {{"type", "exponential"}, {"delay_ms", 150}}}});
  ASSERT_TRUE(host.reaches(id, "completed"));
  EXPECT_EQ(host.job(id)["result"]["attempt"], 3);
  const auto runs = host.runs(id);
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_GE(std::get<1>(runs[1]) - std::get<1>(runs[0]), 150);
  EXPECT_GE(std::get<1>(runs[2]) - std::get<1>(runs[1]), 300);
  // The completed job keeps the error of its last failed attempt, for the record.
  EXPECT_EQ(host.job(id)["state"], "completed");
  EXPECT_THAT(host.job(id)["last_error"].get<std::string>(), HasSubstr("planned failure of attempt 2"));
}

TEST_P(JobServiceTest, InvalidDataFailsAtOnceWithoutRetry) {
  JobHost host(GetParam(), {});
  host.service->start();
  const std::string id = host.add({{"data", {{"invalid", true}}}, {"attempts", 5}});
  ASSERT_TRUE(host.reaches(id, "failed"));
  EXPECT_EQ(host.job(id)["attempts_made"], 1);
  EXPECT_THAT(host.job(id)["last_error"].get<std::string>(), HasSubstr("invalid"));
}

TEST_P(JobServiceTest, AnAttemptPastItsTimeoutIsStoppedAndRetried) {
  JobHost host(GetParam(), {});
  host.service->start();
  const std::string id = host.add({{"data", {{"sleep_ms", 5000}}}, {"timeout_ms", 100}, {"attempts", 2},
                                   {"backoff", {{"type", "fixed"}, {"delay_ms", 10}}}});
  ASSERT_TRUE(host.reaches(id, "failed"));
  EXPECT_EQ(host.job(id)["attempts_made"], 2);
  EXPECT_THAT(host.job(id)["last_error"].get<std::string>(), HasSubstr("timed out after 100 ms"));
  const auto runs = host.runs(id);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(std::get<2>(runs[0]), "stopped");
}

TEST_P(JobServiceTest, CancelStopsARunningJobAndEndsAWaitingOne) {
  JobHost host(GetParam(), {});
  host.service->start();
  const std::string running = host.add({{"data", {{"sleep_ms", 20000}}}});
  ASSERT_TRUE(host.reaches(running, "active"));
  ASSERT_TRUE(eventually([&] { return host.runs(running).empty() && host.service->running() == 1; }));
  ASSERT_TRUE(host.service->cancel(running).isOk());
  ASSERT_TRUE(host.reaches(running, "cancelled", std::chrono::seconds(3)));
  EXPECT_EQ(std::get<2>(host.runs(running).at(0)), "stopped");

  const std::string delayed = host.add({{"delay_ms", 60000}});
  ASSERT_TRUE(host.service->cancel(delayed).isOk());
  EXPECT_EQ(host.state(delayed), "cancelled");
  EXPECT_EQ(host.service->cancel(delayed).code(), WNO_ERR_PRECONDITION);  // already finished
  // A cancelled job can be retried and then runs at once.
  ASSERT_TRUE(host.service->retry(delayed).isOk());
  ASSERT_TRUE(host.reaches(delayed, "completed"));
  EXPECT_EQ(host.job(delayed)["attempts_made"], 1);
  EXPECT_EQ(host.service->cancel("no-such-job").code(), WNO_NOT_FOUND);
}

TEST_P(JobServiceTest, AHandlerThatIgnoresItsTimeoutIsAbandonedNotWaitedFor) {
  JobHost host(GetParam(), {{"lease_ms", 400}, {"heartbeat_ms", 100}});
  host.service->start();
  const std::string id = host.add({{"data", {{"sleep_ms", 2500}, {"ignore_stop", true}}}, {"timeout_ms", 100},
                                   {"attempts", 1}});
  // Timeout (100 ms) + the stop notice (one heartbeat): failed long before the handler returns.
  ASSERT_TRUE(host.reaches(id, "failed", std::chrono::milliseconds(1500)));
  EXPECT_THAT(host.job(id)["last_error"].get<std::string>(), HasSubstr("did not stop"));
  EXPECT_TRUE(host.runs(id).empty()) << "the handler is still running";
  // When it finally returns, its late success is refused: the job stays failed.
  ASSERT_TRUE(eventually([&] { return !host.runs(id).empty(); }, std::chrono::seconds(5)));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(host.state(id), "failed");
}

// Jobs running, and jobs prefetched behind them, for several lease lengths:
// the keeper renews every lease (in one store call each interval on a 1.3
// store, one by one on a 1.0 store), so none lapses and none runs twice.
TEST_P(JobServiceTest, JobsHeldLongerThanTheirLeaseKeepItAndRunOnce) {
  JobHost host(GetParam(), {{"lease_ms", 400},
                            {"heartbeat_ms", 100},
                            {"claim_batch", 8},
                            {"recover_interval_ms", 100},
                            {"queues", {{{"name", "default"}, {"concurrency", 2}}}}});
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) ids.push_back(host.add({{"data", {{"sleep_ms", 900}}}}));
  host.service->start();
  for (const auto& id : ids) ASSERT_TRUE(host.reaches(id, "completed", std::chrono::seconds(15))) << id;
  for (const auto& id : ids) {
    EXPECT_EQ(host.job(id)["attempts_made"], 1) << id << ": its lease lapsed and it was claimed again";
    EXPECT_EQ(host.runs(id).size(), 1u) << id;
  }
}

TEST_P(JobServiceTest, QueuesPauseAboveTheirLoadWithHysteresisButCriticalOnesNever) {
  JobHost host(GetParam(), {{"queues", {{{"name", "default"}, {"pause_above_load", 0.8}, {"resume_below_load", 0.5}},
                                        {{"name", "urgent"}, {"critical", true}}}}});
  host.services.setLoadFactor(0.9);
  host.service->start();
  const std::string normal = host.add({});
  const std::string urgent = host.add({{"queue", "urgent"}});
  ASSERT_TRUE(host.reaches(urgent, "completed"));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(host.state(normal), "waiting");
  auto queues = host.service->queuesJson().value();
  EXPECT_EQ(queues["queues"][0]["name"], "default");
  EXPECT_EQ(queues["queues"][0]["paused"], true);
  host.services.setLoadFactor(0.6);  // below the pause threshold, above the resume one
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(host.state(normal), "waiting");
  host.services.setLoadFactor(0.4);
  ASSERT_TRUE(host.reaches(normal, "completed"));
  EXPECT_EQ(host.service->queuesJson().value()["queues"][0]["paused"], false);
}

TEST_P(JobServiceTest, StopGivesBackRunningAndUnstartedJobs) {
  auto host = std::make_unique<JobHost>(GetParam(), json{{"queues", {{{"name", "default"}, {"concurrency", 1}}}},
                                                         {"claim_batch", 4}});
  host->service->start();
  const std::string running = host->add({{"data", {{"sleep_ms", 20000}}}});
  ASSERT_TRUE(host->reaches(running, "active"));
  ASSERT_TRUE(eventually([&] { return host->service->running() == 1; }));  // started, not just claimed
  const std::string queued = host->add({});
  ASSERT_TRUE(host->service->stop(std::chrono::milliseconds(100)));
  const json r = host->job(running);
  EXPECT_EQ(r["state"], "waiting") << r.dump();
  EXPECT_TRUE(r["lease_owner"].is_null());
  EXPECT_THAT(r["last_error"].get<std::string>(), HasSubstr("host shutting down"));
  EXPECT_EQ(host->state(queued), "waiting");
  if (GetParam() != JobHost::kOldStore) {  // a 1.0 store can only fail it, which counts
    EXPECT_EQ(r["attempts_made"], 0) << "a hand-back is not an attempt";
    EXPECT_EQ(host->job(queued)["attempts_made"], 0) << host->job(queued).dump();
  }
}

TEST_P(JobServiceTest, BulkEnqueueStoresTheValidItemsAndNamesTheBadOnes) {
  JobHost host(GetParam(), {{"bulk_max", 4}});
  host.add({{"job_id", "exists"}});
  auto items = host.service->enqueueBulk(json::array({{{"type", "work"}, {"job_id", "fresh"}},
                                                      {{"type", "work"}, {"attempts", 0}},
                                                      {{"type", "work"}, {"job_id", "exists"}},
                                                      {{"type", "nope"}}}));
  ASSERT_TRUE(items.isOk()) << items.status().message();
  ASSERT_EQ(items.value().size(), 4u);
  EXPECT_EQ(items.value()[0].status, 201);
  EXPECT_EQ(items.value()[0].id, "fresh");
  EXPECT_EQ(items.value()[0].state, "waiting");
  EXPECT_EQ(json::parse(items.value()[0].record)["id"], "fresh");
  EXPECT_EQ(items.value()[2].id, "exists");
  EXPECT_EQ(items.value()[1].status, 400);
  EXPECT_EQ(items.value()[1].error.parameter, "attempts");
  EXPECT_EQ(items.value()[2].status, 200);
  EXPECT_EQ(items.value()[3].error.parameter, "type");
  host.service->start();
  ASSERT_TRUE(host.reaches("fresh", "completed"));
  RequestError invalid;
  EXPECT_EQ(host.service->enqueueBulk(json::array({{{"type", "work"}}, {{"type", "work"}}, {{"type", "work"}},
                                                   {{"type", "work"}}, {{"type", "work"}}}),
                                      &invalid).status().code(),
            WNO_ERR_INVALID);
  EXPECT_EQ(invalid.parameter, "body");
  EXPECT_THAT(invalid.message, HasSubstr("at most 4"));
  EXPECT_EQ(host.service->enqueueBulk(json::object(), &invalid).status().code(), WNO_ERR_INVALID);
}

TEST_P(JobServiceTest, PluginsEnqueueManyAsJobEnqueueManyAnswers) {
  JobHost host(GetParam(), {});
  auto r = host.service->enqueueMany(R"([{"type":"work","job_id":"p1"},{"type":"work","priority":"soon"}])");
  ASSERT_TRUE(r.isOk()) << r.status().message();
  ASSERT_EQ(r.value().size(), 2u);
  const json first = json::parse(r.value()[0]);
  EXPECT_EQ(first["status"], 201);
  EXPECT_EQ(first["job"]["id"], "p1");
  const json second = json::parse(r.value()[1]);
  EXPECT_EQ(second["status"], 400);
  EXPECT_EQ(second["parameter"], "priority");
  EXPECT_EQ(host.service->enqueueMany("{not json").status().code(), WNO_ERR_INVALID);
}

TEST_P(JobServiceTest, ManyConcurrentEnqueuesEachRunOnce) {
  // Group commit on the enqueue side, batched finishes and the local queue
  // on the worker side: every job runs once and is answered to its caller.
  JobHost host(GetParam(), {{"queues", {{{"name", "default"}, {"concurrency", 8}}}}});
  host.service->start();
  std::vector<std::thread> clients;
  std::atomic<int> mismatched{0};
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < 40; ++i) {
        const std::string id = "c" + std::to_string(c) + "-" + std::to_string(i);
        if (host.add({{"job_id", id}}) != id) ++mismatched;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(mismatched.load(), 0);
  for (int c = 0; c < 8; ++c) {
    for (int i = 0; i < 40; ++i) {
      const std::string id = "c" + std::to_string(c) + "-" + std::to_string(i);
      ASSERT_TRUE(host.reaches(id, "completed")) << id;
      EXPECT_EQ(host.runs(id).size(), 1u) << id;
      EXPECT_EQ(host.job(id)["attempts_made"], 1) << id;
    }
  }
}

TEST_P(JobServiceTest, TheSameJobIdEnqueuesOnce) {
  JobHost host(GetParam(), {});
  auto first = host.service->enqueueRequest({{"type", "work"}, {"job_id", "once"}, {"data", {{"n", 1}}}});
  auto second = host.service->enqueueRequest({{"type", "work"}, {"job_id", "once"}, {"data", {{"n", 2}}}});
  ASSERT_TRUE(first.isOk() && second.isOk());
  EXPECT_TRUE(first.value().created);
  EXPECT_FALSE(second.value().created);
  EXPECT_EQ(second.value().record["data"]["n"], 1);
  EXPECT_TRUE(host.service->shouldStop("not-running-here"));
}

TEST_P(JobServiceTest, EnqueuesJsonTextAsPluginsSendIt) {
  JobHost host(GetParam(), {});
  auto r = host.service->enqueue(R"({"type":"work","job_id":"from-plugin"})");
  ASSERT_TRUE(r.isOk());
  EXPECT_TRUE(r.value().created);
  EXPECT_EQ(json::parse(r.value().jobJson)["id"], "from-plugin");
  EXPECT_EQ(host.service->enqueue("{not json").status().code(), WNO_ERR_INVALID);
  EXPECT_EQ(host.service->enqueue(R"({"type":"work","bogus":1})").status().code(), WNO_ERR_INVALID);
}

TEST_P(JobServiceTest, AFailureRateAboveTheThresholdFiresTheAlertWebhookAndResolves) {
  testing::FakeHttpServer receiver;
  JobHost host(GetParam(), {{"stats_interval_ms", 200},
                            {"queues", {{{"name", "default"}, {"concurrency", 4},
                                          {"alerts", {{"failure_rate_above", 0.5}, {"min_finished", 4},
                                                      {"window_ms", 1000}, {"webhook_url", receiver.url("/alerts")}}}}}}});
  host.service->start();
  for (int i = 0; i < 6; ++i) host.add({{"data", {{"invalid", true}}}, {"attempts", 1}});
  ASSERT_TRUE(eventually([&] { return receiver.requestCount() >= 1; }, std::chrono::seconds(5)));
  auto firing = json::parse(receiver.requests().front().body);
  EXPECT_EQ(firing["queue"], "default");
  EXPECT_EQ(firing["alert"], "failure_rate");
  EXPECT_EQ(firing["state"], "firing");
  EXPECT_GT(firing["value"].get<double>(), 0.5);
  EXPECT_EQ(host.service->queuesJson().value()["queues"][0]["rates"]["alerts"][0], "failure_rate");
  // Failures age out of the one-second window: the alert resolves, once.
  ASSERT_TRUE(eventually([&] { return receiver.requestCount() >= 2; }, std::chrono::seconds(5)));
  EXPECT_EQ(json::parse(receiver.requests()[1].body)["state"], "resolved");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(receiver.requestCount(), 2u);
}

INSTANTIATE_TEST_SUITE_P(Stores, JobServiceTest, ::testing::Values("memory", "sqlite", JobHost::kOldStore),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace wno::host::jobs
