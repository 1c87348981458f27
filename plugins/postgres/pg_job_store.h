// The `postgres` job store: the jobs table (config "table", default
// wno_jobs, keyed on seq) and three beside it, "<table>_ids" (id -> seq,
// how ids stay unique), "<table>_claims" (how recovery finds active jobs)
// and "<table>_leases" (renewals of locked rows), shared by every host
// (pg_job_sql.h says why each exists). Each transition is ONE statement
// (autocommit; a big batch of new jobs is one COPY transaction), so it
// is atomic in the database whichever host runs it: claims take a batch with
// UPDATE ... WHERE ctid = ANY(ARRAY(SELECT ... FOR UPDATE SKIP LOCKED LIMIT n)), so
// concurrent claimers skip each other's rows instead of queueing on them;
// lease checks sit in the UPDATE's WHERE. The rules are those of
// jobs/job_transitions.h; when an UPDATE matches nothing, the current row is
// run through them to say why. Enqueue, retry, failure-with-retry and
// recovery NOTIFY "<table>_wake" with the queue as payload, after their
// commit and coalesced (pg_notifier.h); wait() LISTENs.
// Config: {"url","pool_size":8,"pool_min":1,"pool_wait_ms":2000,"table":"wno_jobs"} and
// the timeouts of pg_options.h.
// Migrations run at create under an advisory lock (hosts may start at once).
// THREADS: every method may be called concurrently (pooled connections).
#pragma once

#include "pg_claim_batches.h"
#include "pg_listener.h"
#include "pg_notifier.h"
#include "pg_pool.h"

#include <wno/sdk/sdk.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wno::pg {

class PostgresJobStore : public sdk::JobStore {
 public:
  PostgresJobStore(sdk::Host host, std::string_view configJson);
  ~PostgresJobStore() override;

  bool enqueue(std::string_view jobJson, sdk::Writer& job) override;
  // ABI 1.1 batches (job_store.h): one statement each.
  void enqueueMany(std::string_view jobsJson, size_t count, sdk::Writer& jobs, int32_t* created);
  void finishMany(std::string_view worker, std::string_view itemsJson, size_t count, wno_status* statuses,
                  sdk::Writer& refusals);
  void claim(std::string_view queue, std::string_view worker, uint32_t maxJobs, int64_t nowMs, int64_t leaseMs,
             sdk::Writer& jobs) override;
  wno_status heartbeat(std::string_view id, std::string_view worker, int64_t nowMs, int64_t leaseMs) override;
  // ABI 1.3: every lease in one statement.
  void heartbeatMany(std::string_view worker, const std::vector<std::string_view>& ids, int64_t nowMs,
                     int64_t leaseMs, wno_status* statuses);
  wno_status complete(std::string_view id, std::string_view worker, int64_t nowMs,
                      std::string_view resultJson) override;
  wno_status fail(std::string_view id, std::string_view worker, int64_t nowMs, std::string_view error,
                  int64_t retryAtMs) override;
  wno_status cancel(std::string_view id, int64_t nowMs) override;
  wno_status retry(std::string_view id, int64_t nowMs) override;
  bool get(std::string_view id, sdk::Writer& job) override;
  void list(std::string_view filterJson, sdk::Writer& jobs) override;
  uint64_t recoverStalled(int64_t nowMs) override;
  std::string statsJson(int64_t nowMs) override;
  uint64_t purge(int64_t beforeMs) override;
  wno_status wait(std::string_view queue, int64_t timeoutMs) override;

 private:
  struct Sql;  // the statements, with the table name spliced in once
  void migrate();
  void notify(const std::string& queue);

  sdk::Host host_;
  std::string table_;
  std::unique_ptr<Pool> pool_;
  std::unique_ptr<Pool> leasePool_;  // renewals only: never queued behind claims and finishes
  std::unique_ptr<Sql> sql_;
  ClaimBatches batches_;  // which claims row each job held here is listed in
  std::unique_ptr<Listener> listener_;
  std::unique_ptr<Notifier> notifier_;  // last: stopped first, while the pool still lives
};

}  // namespace wno::pg
