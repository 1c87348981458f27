// The job store's SQL: every statement, with the table name spliced in
// once, and the columns its readers expect. Included by pg_job_store.cpp
// only; the statements are what the store costs PostgreSQL, so the reasons
// for their shape sit next to them.
#pragma once

#include "pg_job_store.h"

#include <string>
#include <vector>

namespace wno::pg {

// Every column of a job row, in the order the readers take them.
constexpr const char* kColumns =
    "seq, id, type, queue, priority, data, state, attempts_made, max_attempts, backoff_type, backoff_delay_ms, "
    "backoff_jitter, timeout_ms, run_at_ms, created_at_ms, started_at_ms, finished_at_ms, lease_owner, "
    "lease_expires_at_ms, last_error, result, cancel_requested";

// What a claim returns: the rest of the record is known without asking (the
// claim set state, lease and start; a waiting job has no result, no finish
// time and no pending cancel), and every column not sent back is output the
// server need not format for each of a batch's rows.
constexpr const char* kClaimColumns =
    "seq, id, type, queue, priority, data, attempts_made, max_attempts, backoff_type, backoff_delay_ms, "
    "backoff_jitter, timeout_ms, run_at_ms, created_at_ms, last_error, started_at_ms, lease_expires_at_ms";

// A lease runs from now_ms, when the host asked, but is written later: after
// the store waited for a connection (the pool busy with finish batches, say)
// and after the statement got to the row (a claim on a busy table walks the
// claim index past the entries of jobs claimed since the last vacuum). On a
// loaded machine the two took seconds, and claimed rows arrived with their
// leases already lapsed, or renewals extended them to a time already past:
// another host's recovery took those jobs back and they ran twice. A write
// that came later than a tenth of the lease adds how late it came: the
// connection wait as the store measured it (bound as `waitParam`) and the
// statement's time as the database measured it. Durations, so no clock is
// compared with another host's. Earlier writes are within the lease's
// slack, and keep the lease exactly as asked. The statement's time runs
// from transaction_timestamp(): the statements run alone, each its own
// transaction, which starts when the server reads the Bind message, before
// the table locks are taken; statement_timestamp() is reset by the Execute
// message after them, and missed a wait there.
inline std::string leaseLateMs(const std::string& leaseParam, const std::string& waitParam) {
  return "(SELECT CASE WHEN late > " + leaseParam + "::bigint / 10 THEN late ELSE 0 END FROM (SELECT " + waitParam +
         "::bigint + (extract(epoch FROM clock_timestamp() - transaction_timestamp()) * 1000)::bigint AS late) AS l)";
}

struct PostgresJobStore::Sql {
  explicit Sql(const std::string& table) {
    const std::string t = "\"" + table + "\"";
    const std::string cols = kColumns;
    channel = table + "_wake";
    const std::string leases = "\"" + table + "_leases\"";
    setSchema(table, t, leases);
    setEnqueues(t, cols);
    setFinishes(t);
    setClaims(t);
    setTransitions(t, leases);
    setReads(t, cols);
  }

  std::string channel;
  std::vector<std::string> schema;
  std::string enqueueMany, getMany, finishMany, heartbeatMany, extendLocked;
  std::string enqueue, get, claim, heartbeat, complete, fail, cancel, retry, recover, stats,
      purge, seqOf, nextRunAt, list;

 private:
  // The table and its indexes.
  void setSchema(const std::string& table, const std::string& t, const std::string& leases) {
    schema = {
        "CREATE TABLE IF NOT EXISTS " + t +
            " (seq BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,"
            " id TEXT PRIMARY KEY,"
            " type TEXT NOT NULL,"
            " queue TEXT NOT NULL,"
            " priority SMALLINT NOT NULL,"
            " data JSON NOT NULL,"
            " state TEXT NOT NULL,"
            " attempts_made BIGINT NOT NULL,"
            " max_attempts BIGINT NOT NULL,"
            " backoff_type TEXT NOT NULL,"
            " backoff_delay_ms BIGINT NOT NULL,"
            " backoff_jitter DOUBLE PRECISION NOT NULL,"
            " timeout_ms BIGINT NOT NULL,"
            " run_at_ms BIGINT NOT NULL,"
            " created_at_ms BIGINT NOT NULL,"
            " started_at_ms BIGINT,"
            " finished_at_ms BIGINT,"
            " lease_owner TEXT,"
            " lease_expires_at_ms BIGINT,"
            " last_error TEXT,"
            " result JSON,"
            " cancel_requested BOOLEAN NOT NULL DEFAULT false)",
        // Every state change rewrites the row with new entries in every index
        // whose predicate it meets (state sits in the predicates, so no update
        // is HOT): the indexes are what a job costs on its way through. Kept:
        // the id (enqueue, every transition), seq (listing newest first), and
        // partial ones over the few rows the hot path looks for.
        // The claim order of job_store.h, for waiting jobs only.
        "CREATE INDEX IF NOT EXISTS \"" + table + "_claim\" ON " + t +
            " (queue, priority, run_at_ms, seq) WHERE state = 'waiting'",
        // The active jobs, for recovery to check their leases: a few
        // thousand rows at most (what hosts hold). Keyed on seq, which never
        // changes, so no index has the lease expiry as a key and a renewal
        // can be a HOT update (the row rewritten in its page, no index
        // entries) where the page has room; each renewal used to add an
        // entry to every index. Not keyed on state: with lagging statistics
        // (none waiting, say) a state key looked like a selective way to
        // claim, and the planner scanned and sorted the whole backlog per
        // claim.
        "CREATE INDEX IF NOT EXISTS \"" + table + "_active\" ON " + t + " (seq) WHERE state = 'active'",
        // Room in each page for a row's next versions, so renewals stay HOT
        // (pages written from now on; older ones fill as rows move).
        "ALTER TABLE " + t + " SET (fillfactor = 85)",
        // Listing the jobs that need a look; a completed job never enters it.
        "CREATE INDEX IF NOT EXISTS \"" + table + "_ended_badly\" ON " + t +
            " (seq) WHERE state IN ('failed', 'cancelled')",
        // Dropped: (state, seq) and (finished_at_ms) took two entries per
        // transition for an hourly purge (a scan serves it) and lists (seq
        // and the partial indexes serve them); _lease and then _unfinished,
        // keyed on the lease expiry, made every renewal a non-HOT update.
        "DROP INDEX IF EXISTS \"" + table + "_state\"",
        "DROP INDEX IF EXISTS \"" + table + "_finished\"",
        "DROP INDEX IF EXISTS \"" + table + "_lease\"",
        "DROP INDEX IF EXISTS \"" + table + "_unfinished\"",
        // Lease extensions for rows a renewal found locked (heartbeatMany):
        // one per attempt, kept until it lapses (recovery deletes it then).
        // Ids may be as long as the jobs' (the table's primary key).
        "CREATE TABLE IF NOT EXISTS " + leases +
            " (id TEXT NOT NULL, owner TEXT NOT NULL, attempt BIGINT NOT NULL, until_ms BIGINT NOT NULL,"
            " PRIMARY KEY (id, owner, attempt))",
    };
  }

  // New jobs, one or a batch.
  void setEnqueues(const std::string& t, const std::string& cols) {
    // No NOTIFY in the INSERT: PostgreSQL serializes the commits of
    // notifying transactions (a database-wide lock held through the WAL
    // flush), which defeated group commit; notify() follows the commit.
    enqueue = "WITH ins AS (INSERT INTO " + t +
              " (id, type, queue, priority, data, state, attempts_made, max_attempts, backoff_type,"
              " backoff_delay_ms, backoff_jitter, timeout_ms, run_at_ms, created_at_ms, cancel_requested)"
              " VALUES ($1::text, $2::text, $3::text, $4::smallint, $5::json, 'waiting', $6::bigint, $7::bigint,"
              " $8::text, $9::bigint, $10::double precision, $11::bigint, $12::bigint, $13::bigint, false)"
              " ON CONFLICT (id) DO NOTHING RETURNING queue)"
              " SELECT queue FROM ins";
    // The batch form (job_store.h 1.1): one statement, the records bound
    // as one array per column (pg_array.h) and unnested in step, so a batch
    // is one round trip and one commit. About a quarter less server time
    // per row than one json_to_recordset document (10.8 -> 7.8 us a row,
    // 5,000-row batches). WITH ORDINALITY ... ORDER BY ord gives seq in
    // array order (enqueue order).
    enqueueMany = "WITH ins AS (INSERT INTO " + t +
                  " (id, type, queue, priority, data, state, attempts_made, max_attempts, backoff_type,"
                  " backoff_delay_ms, backoff_jitter, timeout_ms, run_at_ms, created_at_ms, cancel_requested)"
                  " SELECT x.id, x.type, x.queue, x.priority, x.data, 'waiting', x.attempts_made, x.max_attempts,"
                  " x.backoff_type, x.backoff_delay_ms, x.backoff_jitter, x.timeout_ms, x.run_at_ms, x.created_at_ms,"
                  " false FROM unnest($1::text[], $2::text[], $3::text[], $4::smallint[], $5::json[], $6::bigint[],"
                  " $7::bigint[], $8::text[], $9::bigint[], $10::double precision[], $11::bigint[], $12::bigint[],"
                  " $13::bigint[]) WITH ORDINALITY AS x(id, type, queue, priority, data, attempts_made, max_attempts,"
                  " backoff_type, backoff_delay_ms, backoff_jitter, timeout_ms, run_at_ms, created_at_ms, ord)"
                  " ORDER BY x.ord ON CONFLICT (id) DO NOTHING RETURNING id, queue)"
                  " SELECT id, queue FROM ins";
    getMany = "SELECT " + cols + " FROM " + t + " WHERE id = ANY(ARRAY(SELECT json_array_elements_text($1::json)))";
  }

  // Finished attempts, in batches.
  void setFinishes(const std::string& t) {
    // Old values on the right of SET, as in `fail`; the lease check in WHERE.
    // The items come as one array per column (pg_array.h), unnested in step.
    // The rows are found by id through the primary key (`id = ANY`), and
    // matched to their items by a hash join: the job store's sessions run
    // with nested loops disabled (PostgresJobStore's constructor). On a busy table the
    // statistics lag (they may say no job is active, or none is leased to
    // this worker), and with a nested loop the planner then scanned the
    // whole table once per batch, or compared every item with every row.
    // The state test is wrapped in IS TRUE (same meaning: state is NOT NULL)
    // so the planner cannot serve it from a partial index, for the same
    // reason. Every by-id statement below does the same.
    finishMany = "UPDATE " + t + " AS j SET"
                 " state = CASE WHEN x.outcome = 'complete' THEN 'completed' WHEN j.cancel_requested THEN 'cancelled'"
                 " WHEN x.outcome = 'release' OR x.retry_at_ms >= 0 THEN 'waiting' ELSE 'failed' END,"
                 " finished_at_ms = CASE WHEN x.outcome = 'complete' OR j.cancel_requested"
                 " OR (x.outcome = 'fail' AND x.retry_at_ms < 0) THEN x.now_ms ELSE NULL END,"
                 " result = CASE WHEN x.outcome = 'complete' THEN x.result ELSE j.result END,"
                 " last_error = CASE WHEN x.outcome = 'complete' THEN j.last_error ELSE x.error END,"
                 " run_at_ms = CASE WHEN x.outcome = 'complete' OR j.cancel_requested THEN j.run_at_ms"
                 " WHEN x.outcome = 'release' THEN x.now_ms WHEN x.retry_at_ms >= 0 THEN x.retry_at_ms"
                 " ELSE j.run_at_ms END,"
                 " attempts_made = CASE WHEN x.outcome = 'release' AND NOT j.cancel_requested"
                 " THEN GREATEST(j.attempts_made - 1, 0) ELSE j.attempts_made END,"
                 " lease_owner = NULL, lease_expires_at_ms = NULL"
                 " FROM unnest($2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::json[], $7::text[], $8::bigint[])"
                 " AS x(ord, id, outcome, now_ms, result, error, retry_at_ms)"
                 " WHERE j.id = ANY($3::text[]) AND j.id = x.id AND (j.state = 'active') IS TRUE"
                 " AND j.lease_owner = $1::text"
                 " RETURNING x.ord, j.state, j.queue";
  }

  // Claims.
  void setClaims(const std::string& t) {
    // The rows are picked and locked first (the ARRAY sub-select runs once,
    // before the update) and then updated by their tuple ids: a TID scan,
    // where `id IN (sub-select)` joined the picked ids back through the
    // primary key. While locked, a row's ctid cannot change under us.
    claim = "UPDATE " + t +
            " SET state = 'active', attempts_made = attempts_made + 1, lease_owner = $2::text,"
            " (started_at_ms, lease_expires_at_ms) = (SELECT at, at + $4::bigint FROM (SELECT $3::bigint + " +
            leaseLateMs("$4", "$6") + " AS at) AS lease),"
            " finished_at_ms = NULL"
            " WHERE ctid = ANY(ARRAY(SELECT ctid FROM " + t +
            " WHERE queue = $1::text AND state = 'waiting' AND run_at_ms <= $3::bigint"
            " ORDER BY priority, run_at_ms, seq LIMIT $5::bigint FOR UPDATE SKIP LOCKED))"
            " RETURNING " + std::string(kClaimColumns);
  }

  // One job's transitions by id.
  void setTransitions(const std::string& t, const std::string& leases) {
    const std::string held = " WHERE id = $1::text AND (state = 'active') IS TRUE AND lease_owner = $2::text";
    heartbeat = "UPDATE " + t + " SET lease_expires_at_ms = $3::bigint + $4::bigint + " + leaseLateMs("$4", "$5") +
                held + " RETURNING cancel_requested";
    // Every lease a host holds, renewed in one statement: the ids are an
    // array, matched through the primary key as in finishMany. It never
    // waits for a row lock (SKIP LOCKED, as the claim): a locked row is being
    // finished, cancelled or recovered, and a renewal that waited behind it
    // held its other rows meanwhile. Waiting renewals let leases lapse
    // under load, and locking a thousand rows in one order against a finish
    // batch locking them in another deadlocked. An id not returned was
    // skipped or refused; the store reads the row to say which, and extends
    // the lease of a skipped row it still holds in `leases` (extendLocked).
    heartbeatMany = "UPDATE " + t + " SET lease_expires_at_ms = $3::bigint + $4::bigint + " + leaseLateMs("$4", "$5") +
                    " WHERE ctid = ANY(ARRAY(SELECT ctid FROM " + t +
                    " WHERE id = ANY($1::text[]) AND (state = 'active') IS TRUE AND lease_owner = $2::text"
                    " FOR UPDATE SKIP LOCKED)) RETURNING id, cancel_requested";
    // A renewal that skipped a locked row still extends its lease, beside
    // the row. The lock is usually this host's own finish batch, but
    // another host's claim also locks, for its whole statement, rows it
    // passes that were claimed while it ran (PostgreSQL locks the newest
    // version before checking the row again, and keeps the lock when the
    // check fails). On a bloated claim index that took seconds: whole
    // batches went unrenewed past their lease, and when the claim let go a
    // recovery elsewhere could take them before this host's next renewal,
    // running them twice. Keyed by attempt: a later attempt of the job,
    // even by the same worker, is not covered by an older extension.
    extendLocked = "INSERT INTO " + leases + " (id, owner, attempt, until_ms)"
                   " SELECT x.id, $2::text, x.attempt, $3::bigint + $4::bigint + " + leaseLateMs("$4", "$6") +
                   " FROM unnest($1::text[], $5::bigint[]) AS x(id, attempt)"
                   " ON CONFLICT (id, owner, attempt) DO UPDATE SET until_ms = GREATEST(" + leases +
                   ".until_ms, EXCLUDED.until_ms)";
    complete = "UPDATE " + t +
               " SET state = 'completed', finished_at_ms = $3::bigint, result = $4::json, lease_owner = NULL,"
               " lease_expires_at_ms = NULL" + held + " RETURNING queue";
    // Old values on the right of SET: cancel_requested decides before anything changes.
    fail = "UPDATE " + t +
           " SET last_error = $4::text,"
           " state = CASE WHEN cancel_requested THEN 'cancelled' WHEN $5::bigint >= 0 THEN 'waiting' ELSE 'failed' END,"
           " run_at_ms = CASE WHEN NOT cancel_requested AND $5::bigint >= 0 THEN $5::bigint ELSE run_at_ms END,"
           " finished_at_ms = CASE WHEN cancel_requested OR $5::bigint < 0 THEN $3::bigint ELSE NULL END,"
           " lease_owner = NULL, lease_expires_at_ms = NULL" + held + " RETURNING state, queue";
    cancel = "UPDATE " + t +
             " SET state = CASE WHEN state = 'waiting' THEN 'cancelled' ELSE state END,"
             " finished_at_ms = CASE WHEN state = 'waiting' THEN $2::bigint ELSE finished_at_ms END,"
             " cancel_requested = cancel_requested OR state = 'active'"
             " WHERE id = $1::text AND (state IN ('waiting', 'active')) IS TRUE RETURNING state";
    retry = "UPDATE " + t +
            " SET state = 'waiting', run_at_ms = $2::bigint, attempts_made = 0, finished_at_ms = NULL,"
            " cancel_requested = false, result = NULL, lease_owner = NULL, lease_expires_at_ms = NULL"
            " WHERE id = $1::text AND (state IN ('failed', 'cancelled')) IS TRUE RETURNING queue";
    // In the same statement (one round trip per pass), extensions that
    // lapsed are dropped: they cover nothing any more. Never waiting, as
    // another host may be dropping the same ones. They are disjoint from
    // the ones the check below counts (until_ms >= now).
    recover = "WITH dropped AS (DELETE FROM " + leases + " WHERE ctid = ANY(ARRAY(SELECT ctid FROM " + leases +
              " WHERE until_ms < $1::bigint FOR UPDATE SKIP LOCKED)))"
              " UPDATE " + t +
              " SET last_error = 'lease expired',"
              " state = CASE WHEN cancel_requested THEN 'cancelled'"
              " WHEN attempts_made >= max_attempts THEN 'failed' ELSE 'waiting' END,"
              " finished_at_ms = CASE WHEN cancel_requested OR attempts_made >= max_attempts THEN $1::bigint"
              " ELSE NULL END,"
              " lease_owner = NULL, lease_expires_at_ms = NULL"
              // Lapsed leases only, with no extension beside them (extendLocked),
              // and only rows no one holds a lock on: every host recovers, and a
              // row locked by its owner's finish or renewal is still being
              // looked after. Waiting for those locks, in an order of its own,
              // deadlocked against finish batches.
              " WHERE ctid = ANY(ARRAY(SELECT j.ctid FROM " + t + " AS j"
              " WHERE j.state = 'active' AND j.lease_expires_at_ms < $1::bigint AND NOT EXISTS (SELECT 1 FROM " +
              leases + " AS l WHERE l.id = j.id AND l.owner = j.lease_owner AND l.attempt = j.attempts_made"
              " AND l.until_ms >= $1::bigint) FOR UPDATE OF j SKIP LOCKED))"
              " RETURNING state, queue";
  }

  // Reads, counts and the purge.
  void setReads(const std::string& t, const std::string& cols) {
    get = "SELECT " + cols + " FROM " + t + " WHERE id = $1::text";
    stats = "SELECT queue, state, (state = 'waiting' AND run_at_ms > $1::bigint) AS delayed, count(*) FROM " + t +
            " GROUP BY 1, 2, 3";
    purge = "DELETE FROM " + t +
            " WHERE finished_at_ms < $1::bigint AND state IN ('completed', 'failed', 'cancelled')";
    seqOf = "SELECT seq FROM " + t + " WHERE id = $1::text";
    // LEAST ignores NULLs; each probe is the first entry of the claim index.
    std::string probes;
    for (int p = 0; p < 4; ++p) {
      probes += std::string(p ? ", " : "") + "(SELECT run_at_ms FROM " + t +
                " WHERE queue = $1::text AND state = 'waiting' AND priority = " + std::to_string(p) +
                " ORDER BY run_at_ms LIMIT 1)";
    }
    nextRunAt = "SELECT LEAST(" + probes + ")";
    list = "SELECT " + cols + " FROM " + t;
  }
};

}  // namespace wno::pg
