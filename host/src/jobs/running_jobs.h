// The jobs this host holds (running, or prefetched into a queue's local
// queue), and the thread that keeps their leases:
// it renews each lease every heartbeat interval, turns the store's answer
// into a stop request (cancelled, lease lost), and enforces timeouts. A
// handler that ignores its stop request past the grace is abandoned: its
// attempt is failed (retried with backoff) so the job does not wait for a
// hung thread, and whatever the handler reports later is refused by the
// store because the lease is gone.
// THREADS: every method is safe from any thread.
#pragma once

#include "jobs/backoff.h"
#include "jobs/claimed_job.h"
#include "jobs/job_config.h"
#include "jobs/job_metrics.h"
#include "jobs/job_store_client.h"

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

namespace wno::host::jobs {

enum class StopReason : int { None = 0, Cancelled, TimedOut, LeaseLost, Shutdown };
const char* stopReasonName(StopReason reason);

// A job this host holds: claimed into the local queue (prefetched), then
// running once a worker takes it. Its lease is kept either way.
// The claimed job (its fields as the store wrote them; claimedAtMs always
// set) and what happens to it on this host.
struct RunningJob : ClaimedJob {
  explicit RunningJob(ClaimedJob claimed) : ClaimedJob(std::move(claimed)) {}

  JobSeries* series = nullptr;  // its metrics, resolved at claim
  std::atomic<bool> started{false};
  int64_t startedAtMs = 0;
  int64_t deadlineMs = 0;  // 0: no timeout
  std::atomic<StopReason> stop{StopReason::None};
  std::atomic<int64_t> stopRequestedAtMs{0};
  // Set once by whoever reports the attempt's end to the store (the worker
  // or the lease keeper abandoning it), so it is reported exactly once.
  std::atomic<bool> reported{false};
  // The reported end is in the store (or its write failed): nothing more to
  // keep. Until then the lease is still renewed: finishes are written in
  // batches, and a lease that lapsed meanwhile would let recovery run the
  // job again although it ended here.
  std::atomic<bool> endWritten{false};
  // When the store last extended the lease (the time the extension counts
  // from): a lease that goes unrenewed past its length may be taken by
  // another host's recovery.
  std::atomic<int64_t> leaseFromMs{0};
  // What the last renewal answered (-1: none tried yet), for the warning.
  std::atomic<int> lastRenewal{-1};
  // Its lease lapsed here, and was counted and logged (once).
  std::atomic<bool> lapseCounted{false};

  void requestStop(StopReason reason, int64_t nowMs);
};

class RunningJobs {
 public:
  // onAbandon(job): the keeper gave up on a hung handler; report the attempt.
  RunningJobs(const JobsConfig& config, JobStoreClient& store, JobMetrics& metrics, std::string workerId,
              std::function<void(const std::shared_ptr<RunningJob>&)> onAbandon);
  ~RunningJobs();

  void start();
  void stop();

  void add(const std::shared_ptr<RunningJob>& job);
  // Forgets this job (not a later claim of the same id, which may already
  // be held when a delayed write of this one's end completes).
  void remove(const RunningJob& job);
  bool shouldStop(const std::string& id) const;
  // Jobs running (started) here; held but unstarted ones do not count.
  size_t count() const;
  // Asks one running job to stop; false when it does not run here.
  bool requestStop(const std::string& id, StopReason reason, int64_t nowMs);
  // Every held job, in id order.
  std::vector<std::shared_ptr<RunningJob>> snapshot() const;
  // Asks every running job to stop (shutdown); returns how many there were.
  size_t stopAll(StopReason reason, int64_t nowMs);
  // Blocks until nothing runs or the time is up; true when nothing runs.
  bool waitIdle(std::chrono::milliseconds limit);
  // The longest any held job has gone since its lease was last extended,
  // as of the keeper's last tick: near the lease length, leases are about
  // to lapse (and the jobs to run again elsewhere).
  int64_t oldestLeaseAgeMs() const { return oldestLeaseAgeMs_.load(std::memory_order_relaxed); }

 private:
  void keepLeases();
  // Times the job out, or abandons its hung handler; true when its lease
  // is no longer to be renewed.
  bool enforceStop(const std::shared_ptr<RunningJob>& job, int64_t now);
  // The oldest lease age among `jobs` into the metrics; held jobs that
  // went unrenewed past their lease counted and logged, once each.
  void watchLeaseAges(const std::vector<std::shared_ptr<RunningJob>>& jobs, int64_t now);
  // Renews the due leases, a batch per store call, and acts on the answers.
  void renew(const std::vector<std::shared_ptr<RunningJob>>& due, std::map<std::string, int64_t>& nextBeat);

  const JobsConfig& config_;
  JobStoreClient& store_;
  JobMetrics& metrics_;
  std::string workerId_;
  std::function<void(const std::shared_ptr<RunningJob>&)> onAbandon_;
  mutable std::shared_mutex mutex_;
  std::map<std::string, std::shared_ptr<RunningJob>> jobs_;
  std::mutex idleMutex_;
  std::condition_variable idle_;
  std::mutex wakeMutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::atomic<int64_t> oldestLeaseAgeMs_{0};
  std::thread keeper_;
};

}  // namespace wno::host::jobs
