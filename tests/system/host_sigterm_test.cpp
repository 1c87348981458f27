// SIGTERM to a host under HTTP load while it runs jobs. Requests the host
// had accepted finish: uploads caught mid-body complete with 201, every
// request the host logged got its answer, and a client that lost a request
// lost one the host never started (so it can safely go to another host).
// The host exits 0 with no job left active or claimed in its name; the jobs
// it ran finished within the grace, the rest ran elsewhere, each once.
#include "cluster.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include <iostream>

#include <atomic>
#include <csignal>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

namespace wno::test::system {
namespace {

using nlohmann::json;

struct Outcome {
  std::string requestId;
  bool toVictim = false;
  Reply reply;
};

// Request ids of host `err`'s access log lines.
std::set<std::string> loggedRequests(const std::string& err) {
  std::set<std::string> ids;
  std::istringstream in(err);
  std::string line;
  while (std::getline(in, line)) {
    const json j = json::parse(line, nullptr, false);
    if (j.is_object() && j.value("component", "") == "access") ids.insert(j.value("request_id", ""));
  }
  return ids;
}

TEST(Faults, SigtermUnderLoadFinishesAcceptedRequestsAndLeavesNoJobClaimed) {
  Cluster cluster;
  constexpr int kVictim = 2;
  for (int i = 0; i < cluster.size(); ++i) {
    cluster.start(i, i == kVictim ? json{{"http", {{"access_log", true}}}} : json::object());
  }
  const std::string victim = cluster.workerId(kVictim);
  const int victimPid = cluster.process(kVictim).pid();
  const Reply hot = cluster.post(0, "/api/v1/battles", {{"title", "hot"}});
  ASSERT_EQ(hot.status, 201);
  const std::string hotPath = "/api/v1/battles/" + hot.json()["id"].dump();

  constexpr int kJobs = 150;
  for (int n = 0; n < kJobs; ++n) {
    const Reply r = cluster.post(n % 2, "/api/v1/jobs",
                                 {{"type", "work"}, {"job_id", "term-" + std::to_string(n)}, {"data", {{"sleep_ms", 300}}}});
    ASSERT_EQ(r.status, 201) << r.body;
  }
  ASSERT_TRUE(eventually([&] {
    return cluster.get(kVictim, "/health").json()["jobs"].value("running", 0) >= 4;
  }, std::chrono::seconds(10)));

  // Load: keep-alive clients on the victim; once it refuses them they fail
  // over to host 0, as a load balancer would.
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::vector<Outcome> outcomes;
  std::vector<std::thread> load;
  for (int t = 0; t < 4; ++t) {
    load.emplace_back([&, t] {
      HttpClient victimClient(cluster.port(kVictim)), other(cluster.port(0));
      bool failedOver = false;
      for (int n = 0; !stop.load(); ++n) {
        Outcome o;
        o.requestId = "load-" + std::to_string(t) + "-" + std::to_string(n);
        o.toVictim = !failedOver;
        HttpClient& client = failedOver ? other : victimClient;
        const Headers headers = {{"X-Request-Id", o.requestId}};
        o.reply = n % 2 ? client.get(hotPath, headers)
                        : client.post("/api/v1/battles", {{"title", o.requestId}}, headers);
        if (o.toVictim && o.reply.status == 0) failedOver = true;
        std::lock_guard lock(mutex);
        outcomes.push_back(std::move(o));
      }
    });
  }
  // Uploads the host has begun to read when SIGTERM arrives.
  constexpr int kUploads = 2;
  std::atomic<int> uploadsStarted{0};
  std::atomic<bool> terminated{false};
  std::vector<Reply> uploads(kUploads);
  std::vector<std::thread> uploaders;
  for (int u = 0; u < kUploads; ++u) {
    uploaders.emplace_back([&, u] {
      const std::string body = json{{"title", "slow upload " + std::to_string(u)}}.dump();
      try {
        Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(cluster.port(kVictim)));
        session.setTimeout(Poco::Timespan(20, 0));
        Poco::Net::HTTPRequest request("POST", "/api/v1/battles", Poco::Net::HTTPMessage::HTTP_1_1);
        request.setContentType("application/json");
        request.setContentLength64(static_cast<Poco::Int64>(body.size()));
        std::ostream& out = session.sendRequest(request);
        out << body.substr(0, body.size() / 2) << std::flush;
        ++uploadsStarted;
        while (!terminated.load()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        std::this_thread::sleep_for(std::chrono::milliseconds(2000));
        out << body.substr(body.size() / 2) << std::flush;
        Poco::Net::HTTPResponse response;
        std::istream& in = session.receiveResponse(response);
        Poco::StreamCopier::copyToString(in, uploads[u].body);
        uploads[u].status = response.getStatus();
      } catch (const std::exception& e) {
        uploads[u].error = e.what();
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_TRUE(eventually([&] { return uploadsStarted.load() == kUploads; }, std::chrono::seconds(5)));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the host is reading them

  cluster.process(kVictim).signal(SIGTERM);
  const auto termAt = Clock::now();
  terminated = true;
  // While it drains (the uploads are still being read), the host refuses
  // new connections instead of leaving them to wait in its backlog.
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  const Reply duringDrain = cluster.get(kVictim, "/livez");
  EXPECT_TRUE(cluster.process(kVictim).running());
  EXPECT_TRUE(duringDrain.refused) << duringDrain.status << " " << duringDrain.error;
  const int exitCode = cluster.process(kVictim).wait(std::chrono::seconds(30));
  const double exitMs = msSince(termAt);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  stop = true;
  for (auto& t : load) t.join();
  for (auto& t : uploaders) t.join();
  EXPECT_EQ(exitCode, 0) << cluster.process(kVictim).err().substr(0, 4000);

  // In-flight uploads finished and were stored.
  for (int u = 0; u < kUploads; ++u) {
    EXPECT_EQ(uploads[u].status, 201) << uploads[u].body << uploads[u].error;
    const json row = uploads[u].json();
    if (row.is_object() && row.contains("id")) {
      EXPECT_EQ(cluster.sql("SELECT title FROM battles WHERE id = " + row["id"].dump())[0][0],
                "slow upload " + std::to_string(u));
    }
  }
  // Every request the host started was answered; what a client lost, the
  // host never began.
  const std::set<std::string> logged = loggedRequests(cluster.process(kVictim).err());
  int served = 0, refused = 0, lostUnstarted = 0, lostStarted = 0, servedElsewhere = 0;
  std::vector<int64_t> acknowledged;
  std::set<std::string> answered;
  for (const Outcome& o : outcomes) {
    if (!o.toVictim) {
      servedElsewhere += o.reply.status > 0;
      continue;
    }
    if (o.reply.status > 0) {
      ++served;
      answered.insert(o.requestId);
      if (o.reply.status == 201) acknowledged.push_back(o.reply.json()["id"]);
    } else if (o.reply.refused) {
      ++refused;
    } else if (logged.count(o.requestId)) {
      ++lostStarted;
      ADD_FAILURE() << o.requestId << " was started by the host but lost: " << o.reply.error;
    } else {
      ++lostUnstarted;
      std::cout << "[system] " << o.requestId << " never reached the stopping host (" << o.reply.error << " after "
                << o.reply.ms << " ms)" << std::endl;
    }
  }
  for (const auto& id : logged) {
    if (id.rfind("load-", 0) == 0) {
      EXPECT_TRUE(answered.count(id)) << id << " was logged but never answered";
    }
  }
  EXPECT_GT(served, 0);
  EXPECT_GT(servedElsewhere, 0) << "no client failed over; SIGTERM did not stop the listener";
  std::string ids;
  for (int64_t id : acknowledged) ids += (ids.empty() ? "" : ",") + std::to_string(id);
  ASSERT_FALSE(acknowledged.empty());
  EXPECT_EQ(cluster.sql("SELECT count(*) FROM battles WHERE id IN (" + ids + ")")[0][0],
            std::to_string(acknowledged.size()));

  // No job is left active or claimed by the stopped host.
  EXPECT_EQ(cluster.sql("SELECT count(*) FROM jobs WHERE lease_owner = '" + victim +
                        "' AND state NOT IN ('completed', 'failed', 'cancelled')")[0][0],
            "0");
  ASSERT_TRUE(eventually([&] {
    return cluster.sql("SELECT count(*) FROM jobs WHERE state = 'completed'")[0][0] == std::to_string(kJobs);
  }, std::chrono::seconds(60))) << ::testing::PrintToString(cluster.sql("SELECT state, lease_owner, count(*) FROM jobs GROUP BY 1, 2"));
  std::map<std::string, int> completions;
  int victimRuns = 0, victimStopped = 0;
  for (const JobRun& r : readRuns(cluster.runLog())) {
    if (r.outcome == "completed") ++completions[r.job];
    if (r.pid == victimPid) {
      ++victimRuns;
      victimStopped += r.outcome != "completed";
    }
  }
  EXPECT_EQ(victimStopped, 0) << "jobs shorter than the grace were interrupted";
  EXPECT_GT(victimRuns, 0);
  int duplicates = 0;
  for (int n = 0; n < kJobs; ++n) {
    const int c = completions["term-" + std::to_string(n)];
    EXPECT_GE(c, 1) << n;
    duplicates += c > 1;
  }
  EXPECT_EQ(duplicates, 0);

  report("sigterm_exit_ms", exitMs);
  report("sigterm_requests_answered_by_stopping_host", served);
  report("sigterm_requests_refused", refused);
  report("sigterm_requests_lost_unstarted", lostUnstarted);
  report("sigterm_requests_lost_started", lostStarted);
  report("sigterm_requests_failed_over", servedElsewhere);
  report("sigterm_jobs_run_by_stopping_host", victimRuns);
  report("sigterm_jobs_duplicates", duplicates);
}

}  // namespace
}  // namespace wno::test::system
