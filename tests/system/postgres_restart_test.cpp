// PostgreSQL (repository and job store of all three hosts) crashes, or is
// restarted as planned, and comes back while the hosts take mixed load:
// cached reads, uncached list pages, creates, versioned updates and job
// enqueues. /readyz turns 503 (the required postgres probe) and back to
// 200 soon after the server serves fresh connections promptly again (a
// ConnectWitness times that from outside the hosts); no request waits longer
// than the pool wait plus a margin; outage errors are 503 with
// Retry-After; and every write acknowledged with a 2xx is in the database
// afterwards (every enqueued job runs).
#include "cluster.h"
#include "connect_witness.h"

#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

namespace wno::test::system {
namespace {

using nlohmann::json;

// The last `count` lines of a host's log that mention `what` (and not
// `except`, when given).
std::string lastLines(const std::string& log, const std::string& what, size_t count, const std::string& except = {}) {
  std::deque<std::string> found;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (line.find(what) == std::string::npos) continue;
    if (!except.empty() && line.find(except) != std::string::npos) continue;
    found.push_back(line);
    if (found.size() > count) found.pop_front();
  }
  std::string out;
  for (const auto& line : found) out += line + "\n";
  return out;
}

// What each host that is still not ready says about itself: its readiness
// reasons and its probes, so a failure explains itself.
std::string whyNotReady(Cluster& cluster, const std::vector<bool>& ready) {
  std::string out;
  for (int i = 0; i < cluster.size(); ++i) {
    if (ready[i]) continue;
    out += "\nhost " + std::to_string(i) + " /readyz?verbose: " + cluster.get(i, "/readyz?verbose").body;
    const Reply health = cluster.get(i, "/health");
    const json h = json::parse(health.body, nullptr, false);
    if (h.is_object() && h.contains("probes")) out += "host " + std::to_string(i) + " probes: " + h["probes"].dump();
  }
  return out;
}

// Polls `cond` until it holds or `grace` has passed since the server last
// failed to serve a fresh connection promptly (as `witness` saw it), at
// most `cap` in all: a host cannot get a session before the server hands
// one out, so its recovery is timed from there.
template <typename Cond>
bool withinGraceOfServer(Cond cond, const ConnectWitness& witness, std::chrono::milliseconds grace,
                         std::chrono::milliseconds cap) {
  const auto capAt = Clock::now() + cap;
  for (;;) {
    if (cond()) return true;
    const auto now = Clock::now();
    if (now >= capAt || now >= witness.notPromptUntil() + grace) return cond();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

double msBetween(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

// A fresh connection answered slower than this: the server is not yet
// serving promptly (a backend's fork and startup take milliseconds).
constexpr auto kPromptConnect = std::chrono::milliseconds(1000);
// How soon after the server serves promptly again every host is ready, and
// every host's writes go through again: a probe period or two, a breaker's
// open period and its trial, and scheduling noise on a loaded machine.
constexpr auto kReadyGrace = std::chrono::seconds(5);
constexpr auto kWritesGrace = std::chrono::seconds(10);
// Beyond this the server never came back at all.
constexpr auto kRecoveryCap = std::chrono::seconds(60);

constexpr int kPoolWaitMs = 500;
// libpq's connect_timeout of the cluster's pools (the plugin's default).
constexpr int kConnectTimeoutMs = 5000;
// Scheduling noise on a loaded 2-core machine (sanitized builds especially);
// still well under the connect timeout a request waiting on the dead
// database would show.
constexpr double kMarginMs = 2000;

// What the load saw, shared by its threads.
struct Tally {
  std::mutex mutex;
  std::map<int, int> statuses;  // 0: no response
  int withoutRetryAfter = 0;  // 503s lacking Retry-After
  // Answers that say the database is unavailable, and answers that
  // succeeded, are bounded differently: see the assertions.
  double maxFailedMs = 0;
  int slowFailures = 0;  // outage answers that took longer than the fail-fast bound
  std::string slowestFailed;
  double maxSucceededMs = 0;
  std::string slowestSucceeded;
  std::vector<int64_t> created;
  std::map<int64_t, int64_t> updated;  // id -> last acknowledged version
  int updates = 0;                     // acknowledged updates
  std::map<int, int> updatesByHost;
  std::map<int, std::deque<std::string>> updaterTrail;  // each updater's last steps, for a failure message

  void trail(int host, const std::string& step) {
    std::lock_guard lock(mutex);
    auto& t = updaterTrail[host];
    t.push_back(step);
    if (t.size() > 8) t.pop_front();
  }
  std::vector<std::string> jobs;
  std::vector<std::string> errors;

  void add(const std::string& what, const Reply& r) {
    std::lock_guard lock(mutex);
    ++statuses[r.status];
    if (r.status == 503 && r.retryAfter.empty()) ++withoutRetryAfter;
    if ((r.status == 0 || (r.status >= 500 && r.status != 503)) && errors.size() < 5) {
      errors.push_back(what + ": " + std::to_string(r.status) + " " + r.error + r.body);
    }
    const bool succeeded = r.status >= 200 && r.status < 300;
    if (!succeeded && r.ms > kPoolWaitMs + kMarginMs) ++slowFailures;
    double& max = succeeded ? maxSucceededMs : maxFailedMs;
    if (r.ms > max) {
      max = r.ms;
      (succeeded ? slowestSucceeded : slowestFailed) = what + " -> " + std::to_string(r.status);
    }
  }
  int count(int lo, int hi) {
    std::lock_guard lock(mutex);
    int n = 0;
    for (const auto& [s, c] : statuses) n += s >= lo && s <= hi ? c : 0;
    return n;
  }
};

std::string idList(const std::vector<int64_t>& ids) {
  std::string out;
  for (int64_t id : ids) out += (out.empty() ? "" : ",") + std::to_string(id);
  return out;
}

// The stop mode: "immediate" (a crash) or "fast" (a planned restart).
class PostgresRestart : public ::testing::TestWithParam<std::string> {};

TEST_P(PostgresRestart, UnderMixedLoad) {
  const std::string mode = GetParam();
  Cluster cluster;
  cluster.startAll();
  json hotRows = json::array();
  for (int i = 0; i < 10; ++i) hotRows.push_back({{"title", "hot"}});
  const Reply hot = cluster.post(0, "/api/v1/battles/bulk", hotRows);
  ASSERT_EQ(hot.status, 201) << hot.body;
  const std::vector<int64_t> hotIds = hot.json()["ids"];
  // One row per host that only that host's updater writes.
  std::vector<int64_t> ownIds;
  for (int i = 0; i < cluster.size(); ++i) {
    const Reply r = cluster.post(i, "/api/v1/battles", {{"title", "updated by " + std::to_string(i)}});
    ASSERT_EQ(r.status, 201) << r.body;
    ownIds.push_back(r.json()["id"]);
  }

  Tally tally;
  std::atomic<bool> stop{false};
  std::atomic<int> serial{0};
  std::vector<std::thread> load;
  for (int i = 0; i < cluster.size(); ++i) {
    load.emplace_back([&, i] {  // cached reads
      HttpClient client(cluster.port(i));
      for (size_t n = 0; !stop.load(); ++n) {
        tally.add("cached read", client.get("/api/v1/battles/" + std::to_string(hotIds[n % hotIds.size()])));
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    });
    load.emplace_back([&, i] {  // uncached list pages
      HttpClient client(cluster.port(i));
      while (!stop.load()) {
        tally.add("list", client.get("/api/v1/battles?limit=5&votes=eq." + std::to_string(1 + serial.fetch_add(1))));
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    });
    load.emplace_back([&, i] {  // creates
      HttpClient client(cluster.port(i));
      while (!stop.load()) {
        const Reply r = client.post("/api/v1/battles", {{"title", "created by " + std::to_string(i)}});
        tally.add("create", r);
        if (r.status == 201) {
          std::lock_guard lock(tally.mutex);
          tally.created.push_back(r.json()["id"]);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    });
    load.emplace_back([&, i] {  // versioned updates of this host's own row
      HttpClient client(cluster.port(i));
      const std::string path = "/api/v1/battles/" + std::to_string(ownIds[i]);
      std::string etag;
      for (int64_t votes = 1; !stop.load(); ++votes) {
        if (etag.empty()) {
          const Reply current = client.get(path);
          tally.add("read before update", current);
          tally.trail(i, "GET " + std::to_string(current.status) + " etag " + current.etag +
                            (current.status >= 400 ? " " + current.body.substr(0, 200) : ""));
          etag = current.etag;
          if (etag.empty()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            continue;
          }
        }
        const Reply r = client.send("PATCH", path, json{{"votes", votes}}.dump(), {{"If-Match", etag}});
        tally.add("update", r);
        tally.trail(i, "PATCH If-Match " + etag + " -> " + std::to_string(r.status) + (r.status >= 400 ? " " + r.body.substr(0, 160) : ""));
        if (r.status == 200) {
          etag = r.etag;
          // Read it back: the row is cached at its current version when an
          // update's answer is lost, and what the updater reads next (after
          // that failure) must not be that stale copy.
          tally.add("read after update", client.get(path));
          std::lock_guard lock(tally.mutex);
          tally.updated[ownIds[i]] = r.json()["version"];
          ++tally.updates;
          ++tally.updatesByHost[i];
        } else {
          etag.clear();  // it may have committed after all: read the version again
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    });
    load.emplace_back([&, i] {  // job enqueues
      HttpClient client(cluster.port(i));
      for (int n = 0; !stop.load(); ++n) {
        const std::string id = "pg-" + std::to_string(i) + "-" + std::to_string(n);
        const Reply r = client.post("/api/v1/jobs", {{"type", "work"}, {"job_id", id}});
        tally.add("enqueue", r);
        if (r.status == 201 || r.status == 200) {
          std::lock_guard lock(tally.mutex);
          tally.jobs.push_back(id);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));

  cluster.postgres().stop(mode);
  const auto stoppedAt = Clock::now();
  std::vector<bool> unready(cluster.size(), false);
  EXPECT_TRUE(eventually([&] {
    bool all = true;
    for (int i = 0; i < cluster.size(); ++i) {
      if (!unready[i]) unready[i] = cluster.get(i, "/readyz").status == 503;
      all = all && unready[i];
    }
    return all;
  }, std::chrono::seconds(5))) << ::testing::PrintToString(unready);
  const double unreadyMs = msSince(stoppedAt);
  const Reply verbose = cluster.get(0, "/readyz?verbose");
  std::this_thread::sleep_for(std::chrono::milliseconds(2000) - (Clock::now() - stoppedAt));
  const int createdBefore = [&] {
    std::lock_guard lock(tally.mutex);
    return static_cast<int>(tally.created.size());
  }();

  cluster.postgres().start();
  const auto startedAt = Clock::now();
  const double outageMs = msSince(stoppedAt);
  const ConnectWitness witness(cluster.postgres().url(), kPromptConnect);
  std::vector<bool> ready(cluster.size(), false);
  EXPECT_TRUE(withinGraceOfServer([&] {
    bool all = true;
    for (int i = 0; i < cluster.size(); ++i) {
      if (!ready[i]) ready[i] = cluster.get(i, "/readyz").status == 200;
      all = all && ready[i];
    }
    return all;
  }, witness, kReadyGrace, kRecoveryCap))
      << ::testing::PrintToString(ready) << " " << msBetween(witness.notPromptUntil(), Clock::now())
      << " ms after the server last served a fresh connection slower than " << kPromptConnect.count()
      << " ms (or not at all)" << whyNotReady(cluster, ready);
  const auto readyAt = Clock::now();
  const double readyMs = msSince(startedAt);
  if (readyMs > 5000) {
    // Slow to come back: what each host's probe went through, to tell a slow
    // server from a probe that held on to a dead attempt.
    for (int i = 0; i < cluster.size(); ++i) {
      std::cout << "host " << i << " probe transitions:\n"
                << lastLines(cluster.process(i).err(), "probe state changed", 4)
                << "host " << i << " probes now: " << [&] {
                     const json health = cluster.get(i, "/health").json();
                     return health.is_object() ? health.value("probes", json::array()).dump() : std::string("(no /health)");
                   }() << "\n";
    }
  }
  const std::map<int, int> updatesAtReady = [&] {
    std::lock_guard lock(tally.mutex);
    return tally.updatesByHost;
  }();
  // Each updater gets going again: a write whose answer the outage lost
  // left no stale cached version behind for its If-Match to trip over.
  // (Its repository breaker may still be between trials when /readyz
  // turns: the bound is for a stuck updater, not for how fast it resumes.)
  const auto updatedSinceReady = [&](int i) {
    std::lock_guard lock(tally.mutex);
    return tally.updatesByHost[i] > (updatesAtReady.count(i) ? updatesAtReady.at(i) : 0);
  };
  withinGraceOfServer([&] {
    for (int i = 0; i < cluster.size(); ++i) {
      if (!updatedSinceReady(i)) return false;
    }
    return true;
  }, witness, kWritesGrace, kRecoveryCap);
  const auto promptAt = witness.notPromptUntil();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  stop = true;
  for (auto& t : load) t.join();
  // How much longer than a prompt connect the server itself took to hand
  // out a fresh session while the load ran. A request that waits for a
  // connection waits for that, so the latency bounds below grow by it: on
  // an idle machine it is 0 and they are the plain pool-wait bounds; on a
  // machine whose scheduler holds new backends for seconds, no client of
  // that server could do better.
  const double slowestFreshConnectMs = witness.slowestConnectMs();
  const double serverSlackMs = std::max(0.0, slowestFreshConnectMs - static_cast<double>(kPromptConnect.count()));

  EXPECT_EQ(verbose.status, 503);
  EXPECT_NE(verbose.body.find("postgres"), std::string::npos) << verbose.body;
  // Fail fast: an outage answer does not wait on the dead database longer
  // than the pool wait, except a circuit's trial call after open_ms (one per
  // half-open, the default half_open_calls), which waits for its connect as
  // a success may: libpq's connect_timeout bounds both.
  EXPECT_LE(tally.maxFailedMs, kPoolWaitMs + kConnectTimeoutMs + kMarginMs + serverSlackMs)
      << "slowest: " << tally.slowestFailed << "; the server's own slack " << serverSlackMs << " ms";
  EXPECT_LE(tally.maxSucceededMs, kPoolWaitMs + kConnectTimeoutMs + kMarginMs + serverSlackMs)
      << "slowest: " << tally.slowestSucceeded << "; the server's own slack " << serverSlackMs << " ms";
  int trials = 0;
  for (int i = 0; i < cluster.size(); ++i) {
    const json health = cluster.get(i, "/health").json();
    if (!health.is_object()) continue;
    // Every other transition of a circuit opens a half-open period.
    for (const auto& b : health.value("breakers", json::array())) trials += (b.value("transitions", 0) + 1) / 2;
  }
  EXPECT_LE(tally.slowFailures, trials) << "outage answers slower than " << kPoolWaitMs + kMarginMs
                                        << " ms, more than the circuits' trial calls; slowest: " << tally.slowestFailed;
  // The outage answers 503 with Retry-After, never a bare 500 or a dropped connection.
  EXPECT_EQ(tally.count(0, 0), 0) << ::testing::PrintToString(tally.errors);
  EXPECT_EQ(tally.count(500, 502) + tally.count(504, 599), 0)
      << ::testing::PrintToString(tally.statuses) << ::testing::PrintToString(tally.errors);
  // What a host logged about each failure it answered with a bare 5xx.
  for (int i = 0; i < cluster.size(); ++i) {
    std::istringstream log(cluster.process(i).err());
    for (std::string line; std::getline(log, line);) {
      if (line.find("\"repository failed\"") != std::string::npos) ADD_FAILURE() << "host " << i << ": " << line;
    }
  }
  EXPECT_EQ(tally.withoutRetryAfter, 0);
  EXPECT_GT(tally.count(503, 503), 0) << "the outage was never seen";
  EXPECT_GT(static_cast<int>(tally.created.size()), createdBefore) << "no create succeeded after the restart";
  for (int i = 0; i < cluster.size(); ++i) {
    EXPECT_TRUE(updatedSinceReady(i))
        << "host " << i << ", its updater's last steps: " << ::testing::PrintToString(tally.updaterTrail[i])
        << "\nwhat it logged last about its repository: " << lastLines(cluster.process(i).err(), "repository", 4)
        << "\nits last repository errors other than failing fast: "
        << lastLines(cluster.process(i).err(), "repository", 6, "failing fast")
        << "\nits breakers: " << [&] {
             const json health = cluster.get(i, "/health").json();
             return health.is_object() ? health.value("breakers", json::array()).dump() : std::string("(no /health)");
           }();
  }

  // Every acknowledged write is in the database.
  const size_t created = tally.created.size();
  ASSERT_GT(created, 0u);
  const auto present = cluster.sql("SELECT count(*) FROM battles WHERE id IN (" + idList(tally.created) + ")");
  EXPECT_EQ(present[0][0], std::to_string(created));
  for (const auto& [id, version] : tally.updated) {
    const auto row = cluster.sql("SELECT version FROM battles WHERE id = " + std::to_string(id));
    ASSERT_EQ(row.size(), 1u);
    EXPECT_GE(std::stoll(row[0][0]), version) << "row " << id;
  }
  std::string jobIds;
  for (const auto& id : tally.jobs) jobIds += (jobIds.empty() ? "'" : ",'") + id + "'";
  ASSERT_FALSE(tally.jobs.empty());
  EXPECT_EQ(cluster.sql("SELECT count(*) FROM jobs WHERE id IN (" + jobIds + ")")[0][0], std::to_string(tally.jobs.size()));
  // ... and every acknowledged job runs.
  EXPECT_TRUE(eventually([&] {
    return cluster.sql("SELECT count(*) FROM jobs WHERE state <> 'completed' AND id IN (" + jobIds + ")")[0][0] == "0";
  }, std::chrono::seconds(30))) << ::testing::PrintToString(cluster.sql("SELECT state, count(*) FROM jobs GROUP BY state"));

  int inDoubt = 0;
  for (int i = 0; i < cluster.size(); ++i) {
    std::istringstream log(cluster.process(i).err());
    for (std::string line; std::getline(log, line);) inDoubt += line.find("during commit") != std::string::npos;
  }
  report(mode + "_pg_outage_ms", outageMs);
  report(mode + "_pg_writes_in_doubt", inDoubt);
  report(mode + "_pg_readyz_503_after_ms", unreadyMs);
  report(mode + "_pg_readyz_200_after_restart_ms", readyMs);
  // When the server itself served fresh connections promptly again, and
  // how long after that (negative: before) the last host was ready.
  report(mode + "_pg_fresh_connects_prompt_after_restart_ms", msBetween(startedAt, promptAt));
  report(mode + "_pg_readyz_200_after_prompt_connects_ms", msBetween(promptAt, readyAt));
  report(mode + "_pg_slowest_fresh_connect_ms", slowestFreshConnectMs);
  report(mode + "_pg_latency_bound_ms", kPoolWaitMs + kConnectTimeoutMs + kMarginMs + serverSlackMs);
  report(mode + "_pg_requests_2xx", tally.count(200, 299));
  report(mode + "_pg_requests_503", tally.count(503, 503));
  report(mode + "_pg_requests_other_5xx", tally.count(500, 502) + tally.count(504, 599));
  report(mode + "_pg_slowest_failed_request_ms", tally.maxFailedMs);
  report(mode + "_pg_failed_requests_slower_than_pool_wait", static_cast<double>(tally.slowFailures));
  report(mode + "_pg_slowest_succeeded_request_ms", tally.maxSucceededMs);
  report(mode + "_pg_acknowledged_creates_present", static_cast<double>(created));
  report(mode + "_pg_acknowledged_jobs_present", static_cast<double>(tally.jobs.size()));
  report(mode + "_pg_acknowledged_updates_present", tally.updates);
}

INSTANTIATE_TEST_SUITE_P(Faults, PostgresRestart, ::testing::Values("immediate", "fast"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace wno::test::system
