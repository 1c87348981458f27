// The job store's SQL: every statement, with the table name spliced in
// once, and the columns its readers expect. Included by pg_job_store.cpp
// only; the statements are what the store costs PostgreSQL, so the reasons
// for their shape sit next to them.
#pragma once

#include "pg_job_copy.h"
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

// The flags the partial indexes are keyed on (setSchema says why they are
// not generated columns), defined here once: their values for a state given
// as an SQL expression, the constraint that keeps them in step with
// `state`, and the SET clauses that change both.
constexpr const char* kFlagColumns =
    "claimable BOOLEAN NOT NULL DEFAULT true, ended_badly BOOLEAN NOT NULL DEFAULT false";
inline std::string claimableWhen(const std::string& state) { return "(" + state + ") = 'waiting'"; }
inline std::string endedBadlyWhen(const std::string& state) { return "(" + state + ") IN ('failed', 'cancelled')"; }
inline std::string flagsAgree() {
  return "claimable = (" + claimableWhen("state") + ") AND ended_badly = (" + endedBadlyWhen("state") + ")";
}
inline std::string flagsCheck(const std::string& table) {
  return "CONSTRAINT \"" + table + "_flags\" CHECK (" + flagsAgree() + ")";
}
// SET clauses for a new state given as an SQL expression (evaluated on the
// old row, as every right-hand side of SET is): the state and its flags.
inline std::string setState(const std::string& newState) {
  return "state = " + newState + ", claimable = " + claimableWhen(newState) + ", ended_badly = " +
         endedBadlyWhen(newState);
}

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

// The seqs of the jobs whose ids `idArray` (an SQL text[] expression)
// holds, through "<table>_ids" (`ids`, quoted): the jobs table is keyed on
// seq (Sql::setSchema says why).
inline std::string seqsOfIds(const std::string& ids, const std::string& idArray) {
  return "ARRAY(SELECT seq FROM " + ids + " WHERE id = ANY(" + idArray + "))";
}

struct PostgresJobStore::Sql {
  explicit Sql(const std::string& table) {
    const std::string t = "\"" + table + "\"";
    const std::string cols = kColumns;
    channel = table + "_wake";
    const std::string leases = "\"" + table + "_leases\"";
    const std::string claims = "\"" + table + "_claims\"";
    const std::string batchSequence = "\"" + table + "_claim_batch\"";
    const std::string ids = "\"" + table + "_ids\"";
    setSchema(table, t, leases, claims, ids);
    setEnqueues(t, cols, ids);
    setFinishes(t, ids);
    setClaims(t, claims, batchSequence);
    setTransitions(t, leases, claims, ids);
    setReads(t, cols, ids);
    tables.jobs = t;
    tables.ids = ids;
  }

  std::string channel;
  JobTables tables;  // for COPY; its sequence is set by migrate()
  std::vector<std::string> schema;
  std::string enqueueMany, enqueueManyFresh, getMany, finishMany, finishCompleted, heartbeatMany, heartbeatManyBySeq, extendLocked, dropDoneClaims;
  std::string enqueue, get, claim, heartbeat, complete, fail, cancel, retry, recover, stats,
      purge, seqOf, nextRunAt, list;

 private:
  // The table and its indexes.
  void setSchema(const std::string& table, const std::string& t, const std::string& leases,
                 const std::string& claims, const std::string& ids) {
    schema = {
        "CREATE TABLE IF NOT EXISTS " + t +
            " (seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
            " id TEXT NOT NULL,"
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
            " cancel_requested BOOLEAN NOT NULL DEFAULT false," + kFlagColumns + ", " + flagsCheck(table) + ")",
        // What a job costs on its way through is mostly index entries: an
        // UPDATE that changes a column some index names (as a key or in its
        // predicate) adds an entry to every index; one that changes none is
        // HOT (the row rewritten in its page, no index entries) where the
        // page has room. So no index names `state` or the lease: a claim
        // must leave the claim index (an entry in the primary key, on
        // seq: see _ids below), but a finish, a renewal and a cancel
        // request are HOT. Measured, 500-row
        // batches: finishing 2.2x cheaper, claiming 1.2x, than with an
        // index over the active jobs and predicates on `state`.
        // The predicates are two flags kept in step with `state` by every
        // statement that changes it (a CHECK constraint refuses a statement
        // that does not): active -> completed leaves both false. Plain
        // columns, as generated ones cost inserts 10 % more.
        "ALTER TABLE " + t + " ADD COLUMN IF NOT EXISTS claimable BOOLEAN NOT NULL DEFAULT true",
        "ALTER TABLE " + t + " ADD COLUMN IF NOT EXISTS ended_badly BOOLEAN NOT NULL DEFAULT false",
        // The claim batch a job was last claimed in (claims, below).
        "ALTER TABLE " + t + " ADD COLUMN IF NOT EXISTS claim_batch BIGINT",
        // Recovery finds the active jobs through their claims instead of an
        // index (which a finish would have to leave, so no finish would be
        // HOT): one row per claim statement, listing the seqs it took,
        // deleted by the claiming host once all of them are done there (the
        // next claim carries the delete) or by a recovery pass that finds
        // none of them active in that batch any more.
        "CREATE SEQUENCE IF NOT EXISTS \"" + table + "_claim_batch\"",
        "CREATE TABLE IF NOT EXISTS " + claims +
            " (id BIGINT PRIMARY KEY, owner TEXT NOT NULL, seqs BIGINT[] NOT NULL)",
        // A batch's seqs (4 kB for 500) stay in the row as they are: by
        // default a row past 2 kB is compressed first, which cost a claim
        // about 0.4 us a job (a twentieth), for a row that lives only until
        // its jobs are done.
        "ALTER TABLE " + claims + " SET (toast_tuple_target = 8160)",
        // A table of the older schema (its claim index, dropped below, still
        // exists), once: the flags set from `state` and checked from now on,
        // and one claims row listing the active jobs. Hosts of the older
        // schema must be stopped first: their claims would not be listed.
        "DO $$ BEGIN IF to_regclass('\"" + table + "_claim\"') IS NOT NULL THEN"
        " UPDATE " + t + " SET " + setState("state") + " WHERE NOT (" + flagsAgree() + ");"
        " ALTER TABLE " + t + " ADD " + flagsCheck(table) + ";"
        " WITH b AS (INSERT INTO " + claims + " (id, owner, seqs) SELECT nextval('\"" + table +
            "_claim_batch\"'), 'migrated', array_agg(seq) FROM " + t +
            " WHERE state = 'active' HAVING count(*) > 0 RETURNING id, seqs)"
        " UPDATE " + t + " SET claim_batch = b.id FROM b WHERE " + t + ".seq = ANY(b.seqs); END IF; END $$",
        // Ids are unique through a table of their own, (id, seq), written
        // once per job, not through an index on the jobs table: a claim
        // adds an entry to every index of that table, and the text id's
        // (ids made at about the same time share their prefix, so every
        // entry went to the same page) cost a drain more than a sixth of
        // its server time. The jobs table's key is seq; a lookup by id
        // goes through _ids. Its seq comes from the jobs table's identity
        // sequence (the default below), so a row is keyed before it exists.
        // A table of an older schema (id its primary key) is migrated
        // once; hosts of that schema must be stopped first, as their
        // enqueues would not write _ids.
        "DO $$ BEGIN IF to_regclass('" + ids + "') IS NULL THEN"
        " CREATE TABLE " + ids + " (id TEXT PRIMARY KEY, seq BIGINT NOT NULL);"
        " EXECUTE format('ALTER TABLE " + ids + " ALTER COLUMN seq SET DEFAULT nextval(%L)',"
        " pg_get_serial_sequence('" + t + "', 'seq'));"
        " INSERT INTO " + ids + " (id, seq) SELECT id, seq FROM " + t + "; END IF;"
        " IF EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid"
        " AND a.attnum = i.indkey[0] WHERE i.indrelid = '" + t + "'::regclass AND i.indisprimary"
        " AND a.attname = 'id') THEN"
        " ALTER TABLE " + t + " DROP CONSTRAINT \"" + table + "_pkey\";"
        " ALTER TABLE " + t + " DROP CONSTRAINT IF EXISTS \"" + table + "_seq_key\","
        " ADD CONSTRAINT \"" + table + "_pkey\" PRIMARY KEY (seq); END IF; END $$",
        // The claim order of job_store.h, for waiting jobs only.
        "CREATE INDEX IF NOT EXISTS \"" + table + "_claimable\" ON " + t +
            " (queue, priority, run_at_ms, seq) WHERE claimable",
        // Listing the jobs that need a look; a completed job never enters it.
        "CREATE INDEX IF NOT EXISTS \"" + table + "_ended\" ON " + t + " (seq) WHERE ended_badly",
        // Room in each page for a row's next two versions (the claim's and
        // the finish's), so they stay in the page and the finish is HOT;
        // at 85 most finishes found the page full. Pages written from now on.
        "ALTER TABLE " + t + " SET (fillfactor = 50)",
        // Dropped: (state, seq) and (finished_at_ms) took two entries per
        // transition for an hourly purge (a scan serves it) and lists (seq
        // and the partial indexes serve them); _lease, _unfinished and
        // _active, over the leased jobs, made renewals and then finishes
        // non-HOT; _claim and _ended_badly had `state` in their predicates.
        "DROP INDEX IF EXISTS \"" + table + "_state\"",
        "DROP INDEX IF EXISTS \"" + table + "_finished\"",
        "DROP INDEX IF EXISTS \"" + table + "_lease\"",
        "DROP INDEX IF EXISTS \"" + table + "_unfinished\"",
        "DROP INDEX IF EXISTS \"" + table + "_active\"",
        "DROP INDEX IF EXISTS \"" + table + "_claim\"",
        "DROP INDEX IF EXISTS \"" + table + "_ended_badly\"",
        // Lease extensions for rows a renewal found locked (heartbeatMany):
        // one per attempt, kept until it lapses (recovery deletes it then).
        // Ids may be as long as the jobs' (_ids' primary key).
        "CREATE TABLE IF NOT EXISTS " + leases +
            " (id TEXT NOT NULL, owner TEXT NOT NULL, attempt BIGINT NOT NULL, until_ms BIGINT NOT NULL,"
            " PRIMARY KEY (id, owner, attempt))",
    };
  }

  // New jobs, one or a batch.
  void setEnqueues(const std::string& t, const std::string& cols, const std::string& ids) {
    // What every enqueue writes: the columns, and the batch forms' records,
    // bound as one array per column (pg_array.h) and unnested in step (a
    // batch is one round trip and one commit) in array order (WITH
    // ORDINALITY ... ORDER BY ord: seq in enqueue order), with their values.
    const std::string jobColumns =
        "id, type, queue, priority, data, state, attempts_made, max_attempts, backoff_type,"
        " backoff_delay_ms, backoff_jitter, timeout_ms, run_at_ms, created_at_ms, cancel_requested";
    const std::string records =
        " FROM unnest($1::text[], $2::text[], $3::text[], $4::smallint[], $5::json[], $6::bigint[],"
        " $7::bigint[], $8::text[], $9::bigint[], $10::double precision[], $11::bigint[], $12::bigint[],"
        " $13::bigint[]) WITH ORDINALITY AS x(id, type, queue, priority, data, attempts_made, max_attempts,"
        " backoff_type, backoff_delay_ms, backoff_jitter, timeout_ms, run_at_ms, created_at_ms, ord)";
    const std::string recordValues =
        "x.id, x.type, x.queue, x.priority, x.data, 'waiting', x.attempts_made, x.max_attempts,"
        " x.backoff_type, x.backoff_delay_ms, x.backoff_jitter, x.timeout_ms, x.run_at_ms, x.created_at_ms, false";
    // No NOTIFY in the INSERT: PostgreSQL serializes the commits of
    // notifying transactions (a database-wide lock held through the WAL
    // flush), which defeated group commit; notify() follows the commit.
    // The id is taken in _ids first (its seq drawn there), and the job
    // written only if it was new.
    enqueue = "WITH new AS (INSERT INTO " + ids + " (id) VALUES ($1::text) ON CONFLICT (id) DO NOTHING RETURNING seq),"
              " ins AS (INSERT INTO " + t + " (seq, " + jobColumns + ") OVERRIDING SYSTEM VALUE"
              " SELECT new.seq, $1::text, $2::text, $3::text, $4::smallint, $5::json, 'waiting', $6::bigint, $7::bigint,"
              " $8::text, $9::bigint, $10::double precision, $11::bigint, $12::bigint, $13::bigint, false FROM new"
              " RETURNING queue)"
              " SELECT queue FROM ins";
    // A batch of new ids too small for COPY to pay its round trips
    // (pg_job_copy.h): one statement, the jobs written first (seq from the
    // identity) and their ids after, with no ON CONFLICT arbiter and no
    // join. A duplicate fails it as a unique violation, and the batch goes
    // the way below.
    enqueueManyFresh = "WITH ins AS (INSERT INTO " + t + " (" + jobColumns + ") SELECT " + recordValues + records +
                       " ORDER BY x.ord RETURNING id, seq)"
                       " INSERT INTO " + ids + " (id, seq) SELECT id, seq FROM ins";
    // The batch form (job_store.h 1.1) when some id may exist: the ids are
    // taken in _ids first (seqs drawn there in array order), then the new
    // jobs written, each id's first occurrence only. When every id is new,
    // the usual case (the host makes the ids), the batch is written by COPY
    // or by the statement above instead, and comes here only if that fails
    // on a duplicate.
    enqueueMany = "WITH new AS (INSERT INTO " + ids + " (id) SELECT x.id FROM unnest($1::text[]) WITH ORDINALITY"
                  " AS x(id, ord) ORDER BY x.ord ON CONFLICT (id) DO NOTHING RETURNING id, seq),"
                  " ins AS (INSERT INTO " + t + " (seq, " + jobColumns + ") OVERRIDING SYSTEM VALUE"
                  " SELECT DISTINCT ON (x.id) new.seq, " + recordValues + records +
                  " JOIN new ON new.id = x.id ORDER BY x.id, x.ord RETURNING id, queue)"
                  " SELECT id, queue FROM ins";
    getMany = "SELECT " + cols + " FROM " + t + " WHERE seq = ANY(" +
              seqsOfIds(ids, "ARRAY(SELECT json_array_elements_text($1::json))") + ")";
  }

  // Finished attempts, in batches.
  void setFinishes(const std::string& t, const std::string& ids) {
    // Old values on the right of SET, as in `fail`; the lease check in WHERE.
    // The items come as one array per column (pg_array.h), unnested in step.
    // The rows are found through their seqs (seqsOfIds, the primary key),
    // and matched to their items by a hash join: the job store's sessions run
    // with nested loops disabled (PostgresJobStore's constructor). On a busy table the
    // statistics lag (they may say no job is active, or none is leased to
    // this worker), and with a nested loop the planner then scanned the
    // whole table once per batch, or compared every item with every row.
    // The state test is wrapped in IS TRUE (same meaning: state is NOT NULL)
    // so that no partial index over a state could serve it, for the same
    // reason (none does since setSchema keyed them on flags; kept so an
    // index added later cannot change these plans). Every by-id statement
    // below does the same.
    finishMany = "UPDATE " + t + " AS j SET " +
                 setState("CASE WHEN x.outcome = 'complete' THEN 'completed' WHEN j.cancel_requested THEN 'cancelled'"
                          " WHEN x.outcome = 'release' OR x.retry_at_ms >= 0 THEN 'waiting' ELSE 'failed' END") + ","
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
                 " WHERE j.seq = ANY(" + seqsOfIds(ids, "$3::text[]") + ")"
                 " AND j.id = x.id AND (j.state = 'active') IS TRUE"
                 " AND j.lease_owner = $1::text"
                 " RETURNING x.ord, j.state, j.queue";
    // A batch of completions only (a drain's usual batch), for jobs whose
    // rows the store knows from their claims: the rows are found by seq, an
    // integer key, and only what a completion sets is bound and computed
    // (a fifth less server time than finishMany's general form, measured
    // in 500-row batches). The id is still checked against the row.
    finishCompleted = "UPDATE " + t + " AS j SET " + setState("'completed'") + ","
                      " finished_at_ms = x.now_ms, result = x.result, lease_owner = NULL, lease_expires_at_ms = NULL"
                      " FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::bigint[], $6::json[])"
                      " AS x(ord, seq, id, now_ms, result)"
                      " WHERE j.seq = ANY($3::bigint[]) AND j.seq = x.seq AND j.id = x.id"
                      " AND (j.state = 'active') IS TRUE AND j.lease_owner = $1::text"
                      " RETURNING x.ord";
  }

  // Claims.
  void setClaims(const std::string& t, const std::string& claims, const std::string& batchSequence) {
    // The rows are picked and locked first (the ARRAY sub-select runs once,
    // before the update) and then updated by their tuple ids: a TID scan,
    // where `id IN (sub-select)` joined the picked ids back through the
    // primary key. While locked, a row's ctid cannot change under us.
    // The same statement lists the claimed seqs in a claims row (how
    // recovery finds them) and deletes this worker's batches whose jobs
    // are all done ($6), so neither costs a round trip of its own.
    claim = "WITH gone AS (DELETE FROM " + claims + " WHERE id = ANY($6::bigint[]) AND owner = $2::text),"
            " batch AS (SELECT nextval('" + batchSequence + "') AS id),"
            " claimed AS (UPDATE " + t +
            " SET " + setState("'active'") + ", attempts_made = attempts_made + 1, lease_owner = $2::text,"
            " (started_at_ms, lease_expires_at_ms) = (SELECT at, at + $4::bigint FROM (SELECT $3::bigint + " +
            leaseLateMs("$4", "$7") + " AS at) AS lease),"
            " finished_at_ms = NULL, claim_batch = (SELECT id FROM batch)"
            " WHERE ctid = ANY(ARRAY(SELECT ctid FROM " + t +
            " WHERE queue = $1::text AND claimable AND run_at_ms <= $3::bigint"
            " ORDER BY priority, run_at_ms, seq LIMIT $5::bigint FOR UPDATE SKIP LOCKED))"
            " RETURNING " + std::string(kClaimColumns) + ", claim_batch),"
            " listed AS (INSERT INTO " + claims + " (id, owner, seqs)"
            " SELECT min(claim_batch), $2::text, array_agg(seq) FROM claimed HAVING count(*) > 0)"
            " SELECT * FROM claimed";
  }

  // One job's transitions by id.
  void setTransitions(const std::string& t, const std::string& leases, const std::string& claims,
                      const std::string& ids) {
    // One job by id: its row through _ids (the jobs table's key is seq).
    const std::string byId = " WHERE seq = (SELECT seq FROM " + ids + " WHERE id = $1::text) AND id = $1::text";
    const std::string held = byId + " AND (state = 'active') IS TRUE AND lease_owner = $2::text";
    heartbeat = "UPDATE " + t + " SET lease_expires_at_ms = $3::bigint + $4::bigint + " + leaseLateMs("$4", "$5") +
                held + " RETURNING cancel_requested";
    // Every lease a host holds, renewed in one statement: the ids are an
    // array, their rows found through their seqs as in finishMany. It never
    // waits for a row lock (SKIP LOCKED, as the claim): a locked row is being
    // finished, cancelled or recovered, and a renewal that waited behind it
    // held its other rows meanwhile. Waiting renewals let leases lapse
    // under load, and locking a thousand rows in one order against a finish
    // batch locking them in another deadlocked. An id not returned was
    // skipped or refused; the store reads the row to say which, and extends
    // the lease of a skipped row it still holds in `leases` (extendLocked).
    auto renewWhere = [&](const std::string& rows) {
      return "UPDATE " + t + " SET lease_expires_at_ms = $3::bigint + $4::bigint + " + leaseLateMs("$4", "$5") +
             " WHERE ctid = ANY(ARRAY(SELECT ctid FROM " + t + " WHERE " + rows +
             " AND (state = 'active') IS TRUE AND lease_owner = $2::text FOR UPDATE SKIP LOCKED))"
             " RETURNING id, cancel_requested";
    };
    heartbeatMany = renewWhere("seq = ANY(" + seqsOfIds(ids, "$1::text[]") + ") AND id = ANY($1::text[])");
    // The same for jobs whose rows the store knows from their claims ($1
    // their seqs): one integer lookup a job instead of two through _ids.
    // Renewals are what keeps a held job from running twice when the
    // machine is starved, so they are the cheapest statement that can do it.
    heartbeatManyBySeq = renewWhere("seq = ANY($1::bigint[])");
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
               " SET " + setState("'completed'") + ", finished_at_ms = $3::bigint, result = $4::json,"
               " lease_owner = NULL, lease_expires_at_ms = NULL" + held + " RETURNING queue";
    // Old values on the right of SET: cancel_requested decides before anything changes.
    fail = "UPDATE " + t +
           " SET last_error = $4::text, " +
           setState("CASE WHEN cancel_requested THEN 'cancelled' WHEN $5::bigint >= 0 THEN 'waiting'"
                    " ELSE 'failed' END") + ","
           " run_at_ms = CASE WHEN NOT cancel_requested AND $5::bigint >= 0 THEN $5::bigint ELSE run_at_ms END,"
           " finished_at_ms = CASE WHEN cancel_requested OR $5::bigint < 0 THEN $3::bigint ELSE NULL END,"
           " lease_owner = NULL, lease_expires_at_ms = NULL" + held + " RETURNING state, queue";
    cancel = "UPDATE " + t +
             " SET " + setState("CASE WHEN state = 'waiting' THEN 'cancelled' ELSE state END") + ","
             " finished_at_ms = CASE WHEN state = 'waiting' THEN $2::bigint ELSE finished_at_ms END,"
             " cancel_requested = cancel_requested OR state = 'active'"
             + byId + " AND (state IN ('waiting', 'active')) IS TRUE RETURNING state";
    retry = "UPDATE " + t +
            " SET " + setState("'waiting'") + ", run_at_ms = $2::bigint, attempts_made = 0, finished_at_ms = NULL,"
            " cancel_requested = false, result = NULL, lease_owner = NULL, lease_expires_at_ms = NULL"
            + byId + " AND (state IN ('failed', 'cancelled')) IS TRUE RETURNING queue";
    // In the same statement (one round trip per pass), extensions that
    // lapsed are dropped: they cover nothing any more. Never waiting, as
    // another host may be dropping the same ones. They are disjoint from
    // the ones the check below counts (until_ms >= now).
    recover = "WITH dropped AS (DELETE FROM " + leases + " WHERE ctid = ANY(ARRAY(SELECT ctid FROM " + leases +
              " WHERE until_ms < $1::bigint FOR UPDATE SKIP LOCKED)))"
              " UPDATE " + t +
              " SET last_error = 'lease expired', " +
              setState("CASE WHEN cancel_requested THEN 'cancelled'"
                       " WHEN attempts_made >= max_attempts THEN 'failed' ELSE 'waiting' END") + ","
              " finished_at_ms = CASE WHEN cancel_requested OR attempts_made >= max_attempts THEN $1::bigint"
              " ELSE NULL END,"
              " lease_owner = NULL, lease_expires_at_ms = NULL"
              // Lapsed leases only, with no extension beside them (extendLocked),
              // and only rows no one holds a lock on: every host recovers, and a
              // row locked by its owner's finish or renewal is still being
              // looked after. Waiting for those locks, in an order of its own,
              // deadlocked against finish batches.
              // The active jobs are found through the claims rows (by seq,
              // through its unique index): no index covers them (setSchema).
              " WHERE ctid = ANY(ARRAY(SELECT j.ctid FROM " + t + " AS j"
              " WHERE j.seq = ANY(ARRAY(SELECT unnest(seqs) FROM " + claims + "))"
              " AND j.state = 'active' AND j.lease_expires_at_ms < $1::bigint AND NOT EXISTS (SELECT 1 FROM " +
              leases + " AS l WHERE l.id = j.id AND l.owner = j.lease_owner AND l.attempt = j.attempts_made"
              " AND l.until_ms >= $1::bigint) FOR UPDATE OF j SKIP LOCKED))"
              " RETURNING state, queue";
    // Claims rows none of whose jobs is still active in that batch: their
    // host finished them and has not claimed since, died, or lost them to
    // recovery. The count is a sub-plan per row (an index lookup per seq);
    // NOT EXISTS would be planned as an anti-join, and with nested loops
    // off (the store's sessions) as a scan of the whole table.
    dropDoneClaims = "DELETE FROM " + claims + " WHERE ctid = ANY(ARRAY(SELECT c.ctid FROM " + claims + " AS c"
                     " WHERE (SELECT count(*) FROM " + t + " AS j WHERE j.seq = ANY(c.seqs) AND j.claim_batch = c.id"
                     " AND j.state = 'active') = 0 FOR UPDATE SKIP LOCKED))";
  }

  // Reads, counts and the purge.
  void setReads(const std::string& t, const std::string& cols, const std::string& ids) {
    get = "SELECT " + cols + " FROM " + t + " WHERE seq = (SELECT seq FROM " + ids + " WHERE id = $1::text)"
          " AND id = $1::text";
    stats = "SELECT queue, state, (state = 'waiting' AND run_at_ms > $1::bigint) AS delayed, count(*) FROM " + t +
            " GROUP BY 1, 2, 3";
    // The jobs and their ids in one statement; its count is the ids'.
    purge = "WITH gone AS (DELETE FROM " + t +
            " WHERE finished_at_ms < $1::bigint AND state IN ('completed', 'failed', 'cancelled') RETURNING id)"
            " DELETE FROM " + ids + " WHERE id = ANY(ARRAY(SELECT id FROM gone))";
    seqOf = "SELECT seq FROM " + ids + " WHERE id = $1::text";
    // LEAST ignores NULLs; each probe is the first entry of the claim index.
    std::string probes;
    for (int p = 0; p < 4; ++p) {
      probes += std::string(p ? ", " : "") + "(SELECT run_at_ms FROM " + t +
                " WHERE queue = $1::text AND claimable AND priority = " + std::to_string(p) +
                " ORDER BY run_at_ms LIMIT 1)";
    }
    nextRunAt = "SELECT LEAST(" + probes + ")";
    list = "SELECT " + cols + " FROM " + t;
  }
};

}  // namespace wno::pg
