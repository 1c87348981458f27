// The SQLite job store: one table (wno_jobs) in its own file by default, WAL
// so readers never block the writer, and every transition inside BEGIN
// IMMEDIATE so two processes sharing the file serialize on the file lock
// (waiting up to busy_timeout_ms) instead of racing: a job is claimed once.
// A partial index on waiting jobs (queue, priority, run_at_ms, seq) serves
// the claim order directly. No ABI types here; sqlite_job_store_component.h
// makes it an SDK job store component.
// THREADS: every method may be called concurrently (a pool of connections).
// wait() sleeps on a condition variable shared by every store in this
// process on the same file, so it wakes on this process's enqueues; work
// from other processes is noticed when the caller's timeout ends.
// OWNERSHIP: records go out as JSON strings (copies).
#pragma once

#include "jobs/job_batch.h"
#include "jobs/job_record.h"
#include "jobs/job_transitions.h"
#include "sqlite_database.h"
#include "sqlite_options.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wno::sqlite {

class Wakeups;  // process-wide, one per database file

class SqliteJobStore {
 public:
  using Clock = std::function<int64_t()>;  // wall clock, Unix ms
  SqliteJobStore(DatabaseOptions options, Clock now);

  std::pair<bool, std::string> enqueue(std::string_view jobJson);
  // on_enqueue_many: (created, stored record) per job, in order, one transaction.
  std::vector<std::pair<bool, std::string>> enqueueMany(std::string_view jobsJson, size_t count);
  // on_finish_many: each item's outcome, in order, one transaction.
  std::vector<jobs::Outcome> finishMany(std::string_view worker, std::string_view itemsJson, size_t count);
  std::vector<std::string> claim(std::string_view queue, std::string_view worker, uint32_t maxJobs, int64_t nowMs,
                                 int64_t leaseMs);
  jobs::Outcome heartbeat(std::string_view id, std::string_view worker, int64_t nowMs, int64_t leaseMs);
  // on_heartbeat_many: each id's outcome, in order, in one write transaction.
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
  void wait(std::string_view queue, int64_t timeoutMs);

 private:
  void migrate();
  // Loads the job, applies fn, writes back what changed, all in one
  // BEGIN IMMEDIATE transaction.
  template <typename Fn>
  jobs::Outcome transition(std::string_view id, Fn&& fn);
  // The earliest run_at_ms among the queue's waiting jobs, if any.
  std::optional<int64_t> nextRunAt(std::string_view queue);

  Database db_;
  Clock now_;
  std::shared_ptr<Wakeups> wakeups_;
};

}  // namespace wno::sqlite
