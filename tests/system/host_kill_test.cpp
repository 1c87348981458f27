// A host is killed with SIGKILL while it runs jobs: its leases lapse, the
// other hosts recover the jobs, and every job completes; a job that ran
// twice did so only because its lease lapsed (attempts_made > 1), and the
// jobs the dead host held finished on the survivors.
#include "cluster.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <thread>

namespace wno::test::system {
namespace {

using nlohmann::json;

std::string lastChars(const std::string& text, size_t n) { return text.size() > n ? text.substr(text.size() - n) : text; }

TEST(Faults, AHostKilledWhileRunningJobsLosesNone) {
  Cluster cluster;
  cluster.startAll();
  constexpr int kJobs = 240;
  constexpr int kVictim = 2;
  // Jobs long enough that the queue outlasts the enqueue loop on a loaded
  // machine (240 x 400 ms over 24 slots is 4 s of work): the victim must be
  // found running several when the enqueueing is done.
  for (int n = 0; n < kJobs; ++n) {
    const Reply r = cluster.post(n % cluster.size(), "/api/v1/jobs",
                                 {{"type", "work"}, {"job_id", "kill-" + std::to_string(n)}, {"data", {{"sleep_ms", 400}}}});
    // A refused or broken connection: the host's own last words say why
    // (read only when the assertion fails).
    ASSERT_EQ(r.status, 201) << r.body << r.error << " (POST " << n << "); host stderr ends:\n"
                             << lastChars(cluster.process(n % cluster.size()).err(), 4000);
  }
  const std::string victim = cluster.workerId(kVictim);
  const int victimPid = cluster.process(kVictim).pid();
  ASSERT_TRUE(eventually([&] {
    return cluster.get(kVictim, "/health").json()["jobs"].value("running", 0) >= 4;
  }, std::chrono::seconds(10)));
  cluster.kill(kVictim);
  const auto killedAt = Clock::now();
  std::set<std::string> held;
  for (const auto& row : cluster.sql("SELECT id FROM jobs WHERE state = 'active' AND lease_owner = '" + victim + "'")) {
    held.insert(row[0]);
  }
  EXPECT_FALSE(held.empty()) << "the killed host held no job; nothing was tested";

  ASSERT_TRUE(eventually([&] {
    return cluster.sql("SELECT count(*) FROM jobs WHERE state = 'completed'")[0][0] == std::to_string(kJobs);
  }, std::chrono::seconds(60))) << ::testing::PrintToString(cluster.sql("SELECT state, lease_owner, count(*) FROM jobs GROUP BY 1, 2"));
  const double recoveredMs = msSince(killedAt);

  std::map<std::string, int> completions;
  for (const JobRun& r : readRuns(cluster.runLog())) {
    if (r.outcome == "completed") ++completions[r.job];
  }
  std::map<std::string, int> attempts;
  std::map<std::string, int> finalPid;
  for (const auto& row : cluster.sql("SELECT id, attempts_made, result->>'pid' FROM jobs")) {
    attempts[row[0]] = std::stoi(row[1]);
    finalPid[row[0]] = std::stoi(row[2]);
  }
  int duplicates = 0, recovered = 0;
  for (int n = 0; n < kJobs; ++n) {
    const std::string id = "kill-" + std::to_string(n);
    EXPECT_GE(completions[id], 1) << id;
    if (completions[id] > 1) {
      ++duplicates;
      EXPECT_GT(attempts[id], 1) << id << " ran twice without a lease lapse";
    }
    recovered += attempts[id] > 1;
  }
  for (const auto& id : held) {
    EXPECT_GT(attempts[id], 1) << id;
    EXPECT_NE(finalPid[id], victimPid) << id << " is recorded as finished by the killed host";
  }
  report("kill_jobs", kJobs);
  report("kill_jobs_held_by_killed_host", static_cast<double>(held.size()));
  report("kill_jobs_recovered", recovered);
  report("kill_jobs_run_twice_after_lease_lapse", duplicates);
  report("kill_all_completed_after_ms", recoveredMs);
}

}  // namespace
}  // namespace wno::test::system
