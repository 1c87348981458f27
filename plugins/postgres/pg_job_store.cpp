#include "pg_job_store.h"

#include "common/json_string.h"
#include "jobs/job_batch.h"
#include "jobs/job_record.h"
#include "jobs/job_transitions.h"
#include "pg_array.h"
#include "pg_errors.h"

#include <wno/sdk/config.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <regex>
#include <set>
#include <tuple>
#include <vector>

namespace wno::pg {
namespace {

using jobs::InvalidInput;
using jobs::JobRecord;
using jobs::Outcome;
using jobs::report;
using nlohmann::json;

using Params = std::vector<std::optional<std::string>>;

constexpr const char* kColumns =
    "seq, id, type, queue, priority, data, state, attempts_made, max_attempts, backoff_type, backoff_delay_ms, "
    "backoff_jitter, timeout_ms, run_at_ms, created_at_ms, started_at_ms, finished_at_ms, lease_owner, "
    "lease_expires_at_ms, last_error, result, cancel_requested";

std::string text(std::string_view s) { return std::string(s); }
std::string num(int64_t n) { return std::to_string(n); }

std::optional<int64_t> optInt(const pqxx::field& f) {
  return f.is_null() ? std::nullopt : std::optional<int64_t>(f.as<int64_t>());
}
std::optional<std::string> optText(const pqxx::field& f) {
  return f.is_null() ? std::nullopt : std::optional<std::string>(std::string(f.c_str(), f.size()));
}

// What every selection starts with: seq, id, type, queue, priority, data.
int64_t readHead(const pqxx::row& r, JobRecord& j) {
  j.id = r[1].c_str();
  j.type = r[2].c_str();
  j.queue = r[3].c_str();
  j.priority = r[4].as<int32_t>();
  j.dataJson = r[5].c_str();
  return r[0].as<int64_t>();
}

// max_attempts, backoff_type, backoff_delay_ms, backoff_jitter, timeout_ms,
// run_at_ms, created_at_ms: seven columns in a row from r[at].
void readPlan(const pqxx::row& r, int at, JobRecord& j) {
  j.maxAttempts = r[at].as<int64_t>();
  j.backoff.type = r[at + 1].c_str();
  j.backoff.delayMs = r[at + 2].as<int64_t>();
  j.backoff.jitter = r[at + 3].as<double>();
  j.timeoutMs = r[at + 4].as<int64_t>();
  j.runAtMs = r[at + 5].as<int64_t>();
  j.createdAtMs = r[at + 6].as<int64_t>();
}

// A row selected with kColumns: (seq, record).
std::pair<int64_t, JobRecord> readJob(const pqxx::row& r) {
  JobRecord j;
  const int64_t seq = readHead(r, j);
  j.state = r[6].c_str();
  j.attemptsMade = r[7].as<int64_t>();
  readPlan(r, 8, j);
  j.startedAtMs = optInt(r[15]);
  j.finishedAtMs = optInt(r[16]);
  j.leaseOwner = optText(r[17]);
  j.leaseExpiresAtMs = optInt(r[18]);
  j.lastError = optText(r[19]);
  j.resultJson = optText(r[20]);
  j.cancelRequested = r[21].c_str()[0] == 't';
  return {seq, std::move(j)};
}

// What a claim returns: the rest of the record is known without asking (the
// claim set state, lease and start; a waiting job has no result, no finish
// time and no pending cancel), and every column not sent back is output the
// server need not format for each of a batch's rows.
constexpr const char* kClaimColumns =
    "seq, id, type, queue, priority, data, attempts_made, max_attempts, backoff_type, backoff_delay_ms, "
    "backoff_jitter, timeout_ms, run_at_ms, created_at_ms, last_error";

std::pair<int64_t, JobRecord> readClaimed(const pqxx::row& r, std::string_view worker, int64_t nowMs, int64_t leaseMs) {
  JobRecord j;
  const int64_t seq = readHead(r, j);
  j.state = jobs::kActive;
  j.attemptsMade = r[6].as<int64_t>();
  readPlan(r, 7, j);
  j.startedAtMs = nowMs;
  j.leaseOwner = std::string(worker);
  j.leaseExpiresAtMs = nowMs + leaseMs;
  j.lastError = optText(r[14]);
  return {seq, std::move(j)};
}

// libpqxx failures as ABI statuses with a message (the SDK boundary reports them).
template <typename Fn>
auto mapErrors(Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const PgError& e) {
    throw sdk::Error(e.status, e.what());
  } catch (const pqxx::broken_connection& e) {
    if (auto late = abandonedByDeadline()) throw sdk::Error(late->status, late->message);
    throw sdk::Error(WNO_ERR_UNAVAILABLE, std::string("job database connection lost: ") + e.what());
  } catch (const pqxx::in_doubt_error& e) {
    abandonedByDeadline();  // consumed: "may have been applied" matters more than why
    // Lost during COMMIT: the transition may have been applied; callers
    // retry transitions that are safe to repeat (enqueue is idempotent).
    throw sdk::Error(WNO_ERR_UNAVAILABLE,
                     std::string("job database connection lost during commit; it may have been applied: ") + e.what());
  } catch (const pqxx::data_exception& e) {
    // SQLSTATE class 22: a value the database cannot take (e.g. bytes that are not UTF-8).
    throw sdk::Error(WNO_ERR_INVALID, std::string("job database rejected a value: ") + e.what());
  } catch (const pqxx::sql_error& e) {
    if (auto cancelled = cancelledByServer(e)) throw sdk::Error(cancelled->status, cancelled->message);
    throw sdk::Error(WNO_ERR_INTERNAL, std::string("job database error: ") + e.what());
  }
}

// Text bound for a TEXT column must be valid UTF-8: replace what is not.
std::string validUtf8(std::string_view s) {
  return json::parse(json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace)).get<std::string>();
}

}  // namespace

struct PostgresJobStore::Sql {
  explicit Sql(const std::string& table) {
    const std::string t = "\"" + table + "\"";
    const std::string cols = kColumns;
    channel = table + "_wake";
    setSchema(table, t);
    setEnqueues(t, cols);
    setFinishes(t);
    setClaims(t);
    setTransitions(t);
    setReads(t, cols);
  }

  std::string channel;
  std::vector<std::string> schema;
  std::string enqueueMany, getMany, finishMany;
  std::string enqueue, get, claim, heartbeat, complete, fail, cancel, retry, recover, stats, purge, seqOf,
      nextRunAt, list;

 private:
  // The table and its indexes.
  void setSchema(const std::string& table, const std::string& t) {
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
        // The unfinished jobs: recovery (lease_expires_at_ms is set only
        // while active) and counts of what is left to do; a job leaves it
        // when it ends. Not keyed on state: with lagging statistics (none
        // waiting, say) a state key looked like a selective way to claim,
        // and the planner scanned and sorted the whole backlog per claim.
        "CREATE INDEX IF NOT EXISTS \"" + table + "_unfinished\" ON " + t +
            " (lease_expires_at_ms) WHERE state IN ('waiting', 'active')",
        // Listing the jobs that need a look; a completed job never enters it.
        "CREATE INDEX IF NOT EXISTS \"" + table + "_ended_badly\" ON " + t +
            " (seq) WHERE state IN ('failed', 'cancelled')",
        // Dropped: (state, seq) and (finished_at_ms) took two entries per
        // transition for an hourly purge (a scan serves it) and lists (seq
        // and the partial indexes serve them); _unfinished replaces _lease.
        "DROP INDEX IF EXISTS \"" + table + "_state\"",
        "DROP INDEX IF EXISTS \"" + table + "_finished\"",
        "DROP INDEX IF EXISTS \"" + table + "_lease\"",
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
    // The batch forms (job_store.h 1.1): one statement each, the items as
    // one JSON array (json_to_recordset) so a batch is one round trip and
    // one commit. ORDER BY ord gives seq in array order (enqueue order).
    enqueueMany = "WITH ins AS (INSERT INTO " + t +
                  " (id, type, queue, priority, data, state, attempts_made, max_attempts, backoff_type,"
                  " backoff_delay_ms, backoff_jitter, timeout_ms, run_at_ms, created_at_ms, cancel_requested)"
                  " SELECT x.id, x.type, x.queue, x.priority, x.data, 'waiting', x.attempts_made, x.max_attempts,"
                  " x.backoff_type, x.backoff_delay_ms, x.backoff_jitter, x.timeout_ms, x.run_at_ms, x.created_at_ms,"
                  " false FROM json_to_recordset($1::json) AS x(ord bigint, id text, type text, queue text,"
                  " priority smallint, data json, attempts_made bigint, max_attempts bigint, backoff_type text,"
                  " backoff_delay_ms bigint, backoff_jitter double precision, timeout_ms bigint, run_at_ms bigint,"
                  " created_at_ms bigint) ORDER BY x.ord"
                  " ON CONFLICT (id) DO NOTHING RETURNING id, queue)"
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
            " lease_expires_at_ms = $3::bigint + $4::bigint, started_at_ms = $3::bigint, finished_at_ms = NULL"
            " WHERE ctid = ANY(ARRAY(SELECT ctid FROM " + t +
            " WHERE queue = $1::text AND state = 'waiting' AND run_at_ms <= $3::bigint"
            " ORDER BY priority, run_at_ms, seq LIMIT $5::bigint FOR UPDATE SKIP LOCKED))"
            " RETURNING " + std::string(kClaimColumns);
  }

  // One job's transitions by id.
  void setTransitions(const std::string& t) {
    const std::string held = " WHERE id = $1::text AND (state = 'active') IS TRUE AND lease_owner = $2::text";
    heartbeat = "UPDATE " + t + " SET lease_expires_at_ms = $3::bigint + $4::bigint" + held + " RETURNING cancel_requested";
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
    recover = "UPDATE " + t +
              " SET last_error = 'lease expired',"
              " state = CASE WHEN cancel_requested THEN 'cancelled'"
              " WHEN attempts_made >= max_attempts THEN 'failed' ELSE 'waiting' END,"
              " finished_at_ms = CASE WHEN cancel_requested OR attempts_made >= max_attempts THEN $1::bigint"
              " ELSE NULL END,"
              " lease_owner = NULL, lease_expires_at_ms = NULL"
              " WHERE state = 'active' AND lease_expires_at_ms < $1::bigint RETURNING state, queue";
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

namespace {

// Runs one prepared statement in autocommit: a single statement is its own
// transaction, so no BEGIN/COMMIT round trips.
pqxx::result run(Pool& pool, const std::string& sql, const Params& params) {
  auto c = pool.acquire();
  pqxx::nontransaction tx(*c->conn);
  return tx.exec_prepared(c->prepare(sql), pqxx::prepare::make_dynamic_params(params));
}

}  // namespace

PostgresJobStore::PostgresJobStore(sdk::Host host, std::string_view configJson) : host_(host) {
  const json c = sdk::ComponentConfig(configJson, poolOptionKeys({"table"})).json();
  PoolOptions options;
  try {
    options = parsePoolOptions(c, 8);
  } catch (const std::invalid_argument& e) {
    throw sdk::invalid(e.what());
  }
  const json table = c.value("table", json("wno_jobs"));
  static const std::regex identifier("[a-z_][a-z0-9_]{0,47}");
  if (!table.is_string() || !std::regex_match(table.get<std::string>(), identifier)) {
    throw sdk::invalid("table: expected a lower-case SQL identifier ([a-z_][a-z0-9_]*, at most 48 characters)");
  }
  table_ = table.get<std::string>();
  // Every statement here is a lookup by id, a scan of one index or a sub-
  // select; the one join (a finish batch with its rows) must be a hash
  // join. With lagging statistics a nested loop looked cheaper and cost a
  // scan of the table, or of every item, per batch (Sql::finishMany).
  options.sessionSettings.emplace_back("enable_nestloop", "off");
  const std::string conninfo = options.conninfo();
  pool_ = mapErrors([&] { return std::make_unique<Pool>(std::move(options)); });
  sql_ = std::make_unique<Sql>(table_);
  listener_ = std::make_unique<Listener>(conninfo, sql_->channel);
  migrate();
  notifier_ = std::make_unique<Notifier>(
      [this](const std::string& queue) { run(*pool_, "SELECT pg_notify($1::text, $2::text)", {sql_->channel, queue}); },
      [this](const std::string& error) { host_.warn("job store: NOTIFY failed: " + error); });
}

PostgresJobStore::~PostgresJobStore() = default;

void PostgresJobStore::migrate() {
  mapErrors([&] {
    auto c = pool_->acquire(/*unbounded=*/true);
    pqxx::work txn(*c->conn);
    txn.exec("SET LOCAL statement_timeout = 0");  // an index build on a big table may take long
    // Several hosts may start at once on an empty database: one migrates,
    // the others wait here and then find everything in place.
    txn.exec_params("SELECT pg_advisory_xact_lock(hashtext($1))", "wno_job_store:" + table_);
    for (const auto& statement : sql_->schema) txn.exec(statement);
    txn.commit();
    return 0;
  });
}

void PostgresJobStore::notify(const std::string& queue) { notifier_->request(queue); }

bool PostgresJobStore::enqueue(std::string_view jobJson, sdk::Writer& out) {
  const JobRecord job = jobs::parseEnqueue(jobJson);
  return mapErrors([&] {
    const Params params = {job.id,
                           job.type,
                           job.queue,
                           num(job.priority),
                           job.dataJson,
                           num(job.attemptsMade),
                           num(job.maxAttempts),
                           job.backoff.type,
                           num(job.backoff.delayMs),
                           json(job.backoff.jitter).dump(),
                           num(job.timeoutMs),
                           num(job.runAtMs),
                           num(job.createdAtMs)};
    // ON CONFLICT DO NOTHING waits for a concurrent insert of the same id to
    // commit, so the read below finds it. Retried only if a purge deleted the
    // existing job in between.
    for (int attempt = 0; attempt < 3; ++attempt) {
      if (!run(*pool_, sql_->enqueue, params).empty()) {
        notify(job.queue);
        out.write(jobs::toJson(job));
        return true;
      }
      const auto existing = run(*pool_, sql_->get, {job.id});
      if (!existing.empty()) {
        out.write(jobs::toJson(readJob(existing[0]).second));
        return false;
      }
    }
    throw sdk::Error(WNO_ERR_UNAVAILABLE, "job \"" + job.id + "\" kept disappearing during enqueue; retry");
  });
}

namespace {

// When a guarded UPDATE matched nothing: the current row through the same
// rules says why (missing, not active, another worker's lease, finished).
template <typename Apply>
Outcome explain(Pool& pool, const std::string& getSql, std::string_view id, Apply&& apply) {
  const auto rows = run(pool, getSql, {text(id)});
  if (rows.empty()) return {WNO_NOT_FOUND, "job \"" + text(id) + "\" does not exist"};
  JobRecord job = readJob(rows[0]).second;
  Outcome o = apply(job);
  if (o.ok()) o = {WNO_ERR_UNAVAILABLE, "job \"" + text(id) + "\" changed concurrently; retry"};
  return o;
}

}  // namespace

namespace {

// The records as json_to_recordset rows; data is already compact JSON.
// Appended in place: a batch holds thousands of rows.
std::string enqueueRows(const std::vector<JobRecord>& batch, const std::vector<size_t>& which) {
  using common::appendJsonString;
  std::string out = "[";
  out.reserve(which.size() * 400);
  auto number = [&out](const char* key, int64_t n) {
    out += key;
    out += std::to_string(n);
  };
  for (size_t n = 0; n < which.size(); ++n) {
    const JobRecord& j = batch[which[n]];
    number(n ? ",{\"ord\":" : "{\"ord\":", static_cast<int64_t>(which[n]));
    out += ",\"id\":";
    appendJsonString(out, j.id);
    out += ",\"type\":";
    appendJsonString(out, j.type);
    out += ",\"queue\":";
    appendJsonString(out, j.queue);
    number(",\"priority\":", j.priority);
    out += ",\"data\":";
    out += j.dataJson;
    number(",\"attempts_made\":", j.attemptsMade);
    number(",\"max_attempts\":", j.maxAttempts);
    out += ",\"backoff_type\":";
    appendJsonString(out, j.backoff.type);
    number(",\"backoff_delay_ms\":", j.backoff.delayMs);
    out += ",\"backoff_jitter\":" + json(j.backoff.jitter).dump();
    number(",\"timeout_ms\":", j.timeoutMs);
    number(",\"run_at_ms\":", j.runAtMs);
    number(",\"created_at_ms\":", j.createdAtMs);
    out += '}';
  }
  out += ']';
  return out;
}

const char* outcomeName(jobs::FinishItem::Kind kind) {
  switch (kind) {
    case jobs::FinishItem::Kind::Complete: return "complete";
    case jobs::FinishItem::Kind::Fail: return "fail";
    case jobs::FinishItem::Kind::Release: return "release";
  }
  return "";
}

}  // namespace

void PostgresJobStore::enqueueMany(std::string_view jobsJson, size_t count, sdk::Writer& out, int32_t* created) {
  const std::vector<JobRecord> batch = jobs::parseEnqueueMany(jobsJson, count);
  std::vector<std::optional<std::string>> stored(batch.size());
  std::vector<size_t> pending(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) pending[i] = i;
  std::set<std::string> wake;
  mapErrors([&] {
    // As in enqueue(): ON CONFLICT waits for a concurrent insert of the same
    // id, so the read finds it; retried only for ids purged in between.
    for (int attempt = 0; attempt < 3 && !pending.empty(); ++attempt) {
      std::set<std::string> inserted;
      for (const auto& row : run(*pool_, sql_->enqueueMany, {enqueueRows(batch, pending)})) {
        inserted.insert(row[0].c_str());
        wake.insert(row[1].c_str());
      }
      std::vector<size_t> existing;
      for (size_t i : pending) {
        // Only an id's first occurrence in the array is the new job.
        if (inserted.erase(batch[i].id)) {
          if (created) created[i] = 1;
          stored[i] = jobs::toJson(batch[i]);
        } else {
          existing.push_back(i);
        }
      }
      pending.clear();
      if (existing.empty()) break;
      json ids = json::array();
      for (size_t i : existing) ids.push_back(batch[i].id);
      std::map<std::string, std::string> found;
      for (const auto& row : run(*pool_, sql_->getMany, {ids.dump()})) {
        JobRecord j = readJob(row).second;
        found.emplace(j.id, jobs::toJson(j));
      }
      for (size_t i : existing) {
        auto it = found.find(batch[i].id);
        if (it == found.end()) {
          pending.push_back(i);
          continue;
        }
        if (created) created[i] = 0;
        stored[i] = it->second;
      }
    }
    if (!pending.empty()) {
      throw sdk::Error(WNO_ERR_UNAVAILABLE, "job \"" + batch[pending[0]].id + "\" kept disappearing during enqueue; retry");
    }
    return 0;
  });
  for (const auto& queue : wake) notify(queue);
  for (const auto& record : stored) {
    if (!out.write(*record)) return;
  }
}

void PostgresJobStore::finishMany(std::string_view worker, std::string_view itemsJson, size_t count,
                                  wno_status* statuses, sdk::Writer& refusals) {
  const std::vector<jobs::FinishItem> items = jobs::parseFinishMany(itemsJson, count);
  ArrayLiteral ord, id, outcome, now, result, error, retryAt;
  for (size_t i = 0; i < items.size(); ++i) {
    const auto& f = items[i];
    ord.add(static_cast<int64_t>(i));
    id.add(std::string_view(f.id));
    outcome.add(std::string_view(outcomeName(f.kind)));
    now.add(f.nowMs);
    result.add(f.resultJson);
    error.add(std::string_view(f.error.empty() ? f.error : validUtf8(jobs::cappedError(f.error))));
    retryAt.add(f.retryAtMs);
  }
  const Params params = {text(worker), ord.take(),   id.take(),    outcome.take(),
                         now.take(),   result.take(), error.take(), retryAt.take()};
  std::vector<bool> applied(items.size(), false);
  std::set<std::string> wake;
  mapErrors([&] {
    for (const auto& row : run(*pool_, sql_->finishMany, params)) {
      const auto ord = row[0].as<size_t>();
      if (ord < applied.size()) applied[ord] = true;
      if (std::string_view(row[1].c_str()) == jobs::kWaiting) wake.insert(row[2].c_str());
    }
    return 0;
  });
  for (size_t i = 0; i < items.size(); ++i) {
    statuses[i] = WNO_OK;
    if (applied[i]) continue;
    // Refused: the current row through the same rules says why.
    const Outcome o = mapErrors([&] {
      return explain(*pool_, sql_->get, items[i].id, [&](JobRecord& j) { return jobs::applyFinish(j, worker, items[i]); });
    });
    statuses[i] = o.status;
    refusals.write(jobs::refusalJson(i, o.message));
  }
  for (const auto& queue : wake) notify(queue);
}

void PostgresJobStore::claim(std::string_view queue, std::string_view worker, uint32_t maxJobs, int64_t nowMs,
                             int64_t leaseMs, sdk::Writer& out) {
  jobs::requireNonEmpty(queue, "queue");
  jobs::requireNonEmpty(worker, "worker");
  jobs::requireLease(leaseMs);
  if (maxJobs == 0) return;
  const auto rows = mapErrors(
      [&] { return run(*pool_, sql_->claim, {text(queue), text(worker), num(nowMs), num(leaseMs), num(maxJobs)}); });
  // RETURNING has no order: restore the claim order.
  std::vector<std::pair<int64_t, JobRecord>> claimed;
  for (const auto& row : rows) claimed.push_back(readClaimed(row, worker, nowMs, leaseMs));
  std::sort(claimed.begin(), claimed.end(), [](const auto& a, const auto& b) {
    return std::tie(a.second.priority, a.second.runAtMs, a.first) < std::tie(b.second.priority, b.second.runAtMs, b.first);
  });
  for (const auto& [seq, job] : claimed) {
    if (!out.write(jobs::toJson(job))) return;
  }
}


wno_status PostgresJobStore::heartbeat(std::string_view id, std::string_view worker, int64_t nowMs, int64_t leaseMs) {
  jobs::requireLease(leaseMs);
  return report(mapErrors([&]() -> Outcome {
    const auto rows = run(*pool_, sql_->heartbeat, {text(id), text(worker), num(nowMs), num(leaseMs)});
    if (!rows.empty()) {
      if (rows[0][0].c_str()[0] == 't') return {WNO_ERR_CANCELLED, "job \"" + text(id) + "\" was cancelled"};
      return {};
    }
    return explain(*pool_, sql_->get, id, [&](JobRecord& j) { return jobs::checkLease(j, worker); });
  }));
}

wno_status PostgresJobStore::complete(std::string_view id, std::string_view worker, int64_t nowMs,
                                      std::string_view resultJson) {
  const auto result = jobs::parseResult(resultJson);
  return report(mapErrors([&]() -> Outcome {
    const auto rows = run(*pool_, sql_->complete, {text(id), text(worker), num(nowMs), result});
    if (!rows.empty()) return {};
    return explain(*pool_, sql_->get, id, [&](JobRecord& j) { return jobs::checkLease(j, worker); });
  }));
}

wno_status PostgresJobStore::fail(std::string_view id, std::string_view worker, int64_t nowMs, std::string_view error,
                                  int64_t retryAtMs) {
  std::string wake;
  const Outcome o = mapErrors([&]() -> Outcome {
    const auto rows = run(*pool_, sql_->fail,
                          {text(id), text(worker), num(nowMs), validUtf8(jobs::cappedError(error)), num(retryAtMs)});
    if (!rows.empty()) {
      if (std::string_view(rows[0][0].c_str()) == jobs::kWaiting) wake = rows[0][1].c_str();
      return {};
    }
    return explain(*pool_, sql_->get, id, [&](JobRecord& j) { return jobs::checkLease(j, worker); });
  });
  if (!wake.empty()) notify(wake);
  return report(o);
}

wno_status PostgresJobStore::cancel(std::string_view id, int64_t nowMs) {
  return report(mapErrors([&]() -> Outcome {
    if (!run(*pool_, sql_->cancel, {text(id), num(nowMs)}).empty()) return {};
    return explain(*pool_, sql_->get, id, [&](JobRecord& j) { return jobs::cancel(j, nowMs); });
  }));
}

wno_status PostgresJobStore::retry(std::string_view id, int64_t nowMs) {
  std::string wake;
  const Outcome o = mapErrors([&]() -> Outcome {
    const auto rows = run(*pool_, sql_->retry, {text(id), num(nowMs)});
    if (!rows.empty()) {
      wake = rows[0][0].c_str();
      return {};
    }
    return explain(*pool_, sql_->get, id, [&](JobRecord& j) { return jobs::retry(j, nowMs); });
  });
  if (!wake.empty()) notify(wake);
  return report(o);
}

bool PostgresJobStore::get(std::string_view id, sdk::Writer& out) {
  const auto rows = mapErrors([&] { return run(*pool_, sql_->get, {text(id)}); });
  if (rows.empty()) return false;
  out.write(jobs::toJson(readJob(rows[0]).second));
  return true;
}

void PostgresJobStore::list(std::string_view filterJson, sdk::Writer& out) {
  const jobs::ListFilter f = jobs::parseListFilter(filterJson);
  const auto rows = mapErrors([&] {
    Params params;
    std::string where;
    auto add = [&](const char* condition, std::string value) {
      params.push_back(std::move(value));
      where += std::string(where.empty() ? " WHERE " : " AND ") + condition + " $" + std::to_string(params.size());
    };
    if (f.afterId) {
      const auto seq = run(*pool_, sql_->seqOf, {*f.afterId});
      if (seq.empty()) throw InvalidInput("after_id: no job \"" + *f.afterId + "\"");
      add("seq <", seq[0][0].c_str());
      where += "::bigint";
    }
    // Only the filters given appear in the SQL, so indexes can serve them.
    if (f.state) add("state =", *f.state);
    if (f.queue) add("queue =", *f.queue);
    if (f.type) add("type =", *f.type);
    params.push_back(std::to_string(f.limit));
    const std::string sql =
        sql_->list + where + " ORDER BY seq DESC LIMIT $" + std::to_string(params.size()) + "::bigint";
    return run(*pool_, sql, params);
  });
  for (const auto& row : rows) {
    if (!out.write(jobs::toJson(readJob(row).second))) return;
  }
}

uint64_t PostgresJobStore::recoverStalled(int64_t nowMs) {
  const auto rows = mapErrors([&] { return run(*pool_, sql_->recover, {num(nowMs)}); });
  std::set<std::string> wake;
  for (const auto& row : rows) {
    if (std::string_view(row[0].c_str()) == jobs::kWaiting) wake.insert(row[1].c_str());
  }
  for (const auto& queue : wake) notify(queue);
  return rows.size();
}

std::string PostgresJobStore::statsJson(int64_t nowMs) {
  const auto rows = mapErrors([&] { return run(*pool_, sql_->stats, {num(nowMs)}); });
  std::map<std::string, jobs::QueueCounts> queues;
  for (const auto& row : rows) {
    queues[row[0].c_str()].add(row[1].c_str(), row[2].c_str()[0] == 't', row[3].as<int64_t>());
  }
  return jobs::statsJson(queues);
}

uint64_t PostgresJobStore::purge(int64_t beforeMs) {
  return mapErrors([&] { return static_cast<uint64_t>(run(*pool_, sql_->purge, {num(beforeMs)}).affected_rows()); });
}

wno_status PostgresJobStore::wait(std::string_view queue, int64_t timeoutMs) {
  const auto start = std::chrono::steady_clock::now();
  auto until = start + std::chrono::milliseconds(std::max<int64_t>(0, timeoutMs));
  const std::string name(queue);
  // Listening before looking, and the generation read before the look: a
  // NOTIFY committed after the look is then never missed.
  listener_->ensureListening(until);
  const uint64_t seen = listener_->generation(name);
  const auto next = mapErrors([&] { return run(*pool_, sql_->nextRunAt, {name}); });
  if (!next.empty() && !next[0][0].is_null()) {
    const int64_t now = host_.nowMs();
    const int64_t runAt = next[0][0].as<int64_t>();
    if (runAt <= now) return WNO_OK;
    until = std::min(until, std::chrono::steady_clock::now() + std::chrono::milliseconds(runAt - now));
  }
  listener_->waitFor(name, seen, until);
  return WNO_OK;
}

}  // namespace wno::pg
