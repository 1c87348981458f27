// An in-process job store: every record in one map under one mutex, with
// indexes that make each hook cheap (waiting jobs per queue and priority in
// claim order, active jobs by lease expiry, finished jobs by finish time).
// Not durable and not shared between processes: for tests, development and
// single-host deployments that can lose their queue on restart.
// THREADS: every method may be called concurrently. wait() blocks on a
// condition variable that enqueue, retry, failure-with-retry and recovery
// signal for the job's queue.
// OWNERSHIP: records go out as JSON strings (copies).
#pragma once

#include "jobs/job_batch.h"
#include "jobs/job_record.h"
#include "jobs/job_transitions.h"

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace wno::memory_job_store {

class MemoryJobStore {
 public:
  using Clock = std::function<int64_t()>;  // wall clock, Unix ms
  explicit MemoryJobStore(Clock now) : now_(std::move(now)) {}

  // Returns (created, stored record JSON). Throws jobs::InvalidInput.
  std::pair<bool, std::string> enqueue(std::string_view jobJson);
  // on_enqueue_many: (created, stored record) per job, in order, under one lock.
  std::vector<std::pair<bool, std::string>> enqueueMany(std::string_view jobsJson, size_t count);
  // on_finish_many: each item's outcome, in order, under one lock.
  std::vector<jobs::Outcome> finishMany(std::string_view worker, std::string_view itemsJson, size_t count);
  // The claimed records, in claim order.
  std::vector<std::string> claim(std::string_view queue, std::string_view worker, uint32_t maxJobs, int64_t nowMs,
                                 int64_t leaseMs);
  jobs::Outcome heartbeat(std::string_view id, std::string_view worker, int64_t nowMs, int64_t leaseMs);
  // on_heartbeat_many: each id's outcome, in order, under one lock.
  std::vector<jobs::Outcome> heartbeatMany(std::string_view worker, const std::vector<std::string_view>& ids,
                                           int64_t nowMs, int64_t leaseMs);
  jobs::Outcome complete(std::string_view id, std::string_view worker, int64_t nowMs, std::string_view resultJson);
  jobs::Outcome fail(std::string_view id, std::string_view worker, int64_t nowMs, std::string_view error,
                     int64_t retryAtMs);
  jobs::Outcome cancel(std::string_view id, int64_t nowMs);
  jobs::Outcome retry(std::string_view id, int64_t nowMs);
  std::optional<std::string> get(std::string_view id);
  std::vector<std::string> list(std::string_view filterJson);
  uint64_t recoverStalled(int64_t nowMs);
  std::string statsJson(int64_t nowMs);
  uint64_t purge(int64_t beforeMs);
  // Returns when queue may have runnable work, or after timeoutMs.
  void wait(std::string_view queue, int64_t timeoutMs);

 private:
  using Key = std::pair<int64_t, uint64_t>;  // (time, seq)
  struct QueueIndex {
    std::set<Key> waiting[4];  // per priority, by (run_at_ms, seq): claim order
    std::map<std::string, int64_t, std::less<>> states;  // jobs per state
    uint64_t wakeups = 0;  // bumped when runnable work may have appeared
  };

  // Every mutation is unindex -> change -> index, so indexes never drift.
  void index(uint64_t seq, const jobs::JobRecord& job);
  void unindex(uint64_t seq, const jobs::JobRecord& job);
  // Applies fn to the job under the lock; NOT_FOUND when it does not exist.
  template <typename Fn>
  jobs::Outcome update(std::string_view id, Fn&& fn);
  void wake(const std::string& queue);

  Clock now_;
  std::mutex mutex_;
  std::condition_variable wakeup_;
  uint64_t nextSeq_ = 1;
  std::map<uint64_t, jobs::JobRecord> jobs_;  // by seq: enqueue order
  std::unordered_map<std::string, uint64_t> ids_;
  std::map<std::string, QueueIndex, std::less<>> queues_;
  std::set<Key> leases_;    // active jobs by (lease_expires_at_ms, seq)
  std::set<Key> finished_;  // finished jobs by (finished_at_ms, seq)
};

}  // namespace wno::memory_job_store
