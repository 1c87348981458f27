#include "pg_job_store.h"

#include "jobs/job_batch.h"
#include "jobs/job_record.h"
#include "jobs/job_transitions.h"
#include "pg_array.h"
#include "pg_errors.h"
#include "pg_job_copy.h"
#include "pg_job_sql.h"

#include <wno/sdk/config.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <system_error>
#include <map>
#include <regex>
#include <set>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace wno::pg {
namespace {

using jobs::InvalidInput;
using jobs::JobRecord;
using jobs::Outcome;
using jobs::report;
using nlohmann::json;

using Params = std::vector<std::optional<std::string>>;


std::string text(std::string_view s) { return std::string(s); }
std::string num(int64_t n) { return std::to_string(n); }

// Numbers read straight from the server's text: libpqxx's conversions
// (through a stream for doubles) were a visible part of reading a claim's
// hundreds of rows. Anything unexpected goes the library's way, which
// says what was wrong.
int64_t asInt(const pqxx::field& f) {
  int64_t n = 0;
  const char* end = f.c_str() + f.size();
  const auto [at, error] = std::from_chars(f.c_str(), end, n);
  return error == std::errc() && at == end ? n : f.as<int64_t>();
}

double asDouble(const pqxx::field& f) {
  double d = 0;
  const char* end = f.c_str() + f.size();
  const auto [at, error] = std::from_chars(f.c_str(), end, d);
  return error == std::errc() && at == end ? d : f.as<double>();
}

std::optional<int64_t> optInt(const pqxx::field& f) {
  return f.is_null() ? std::nullopt : std::optional<int64_t>(asInt(f));
}
std::optional<std::string> optText(const pqxx::field& f) {
  return f.is_null() ? std::nullopt : std::optional<std::string>(std::string(f.c_str(), f.size()));
}

// What every selection starts with: seq, id, type, queue, priority, data.
int64_t readHead(const pqxx::row& r, JobRecord& j) {
  j.id = r[1].c_str();
  j.type = r[2].c_str();
  j.queue = r[3].c_str();
  j.priority = static_cast<int32_t>(asInt(r[4]));
  j.dataJson = r[5].c_str();
  return asInt(r[0]);
}

// max_attempts, backoff_type, backoff_delay_ms, backoff_jitter, timeout_ms,
// run_at_ms, created_at_ms: seven columns in a row from r[at].
void readPlan(const pqxx::row& r, int at, JobRecord& j) {
  j.maxAttempts = asInt(r[at]);
  j.backoff.type = r[at + 1].c_str();
  j.backoff.delayMs = asInt(r[at + 2]);
  j.backoff.jitter = asDouble(r[at + 3]);
  j.timeoutMs = asInt(r[at + 4]);
  j.runAtMs = asInt(r[at + 5]);
  j.createdAtMs = asInt(r[at + 6]);
}

// A row selected with kColumns: (seq, record).
std::pair<int64_t, JobRecord> readJob(const pqxx::row& r) {
  JobRecord j;
  const int64_t seq = readHead(r, j);
  j.state = r[6].c_str();
  j.attemptsMade = asInt(r[7]);
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

// A row a claim returned (kClaimColumns); the rest is what the claim set.
std::pair<int64_t, JobRecord> readClaimed(const pqxx::row& r, std::string_view worker) {
  JobRecord j;
  const int64_t seq = readHead(r, j);
  j.state = jobs::kActive;
  j.attemptsMade = asInt(r[6]);
  readPlan(r, 7, j);
  j.lastError = optText(r[14]);
  // When the lease was written, which the host counts renewals from.
  j.startedAtMs = asInt(r[15]);
  j.leaseOwner = std::string(worker);
  j.leaseExpiresAtMs = asInt(r[16]);
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
  } catch (const pqxx::transaction_rollback& e) {
    // SQLSTATE class 40 (a deadlock, a serialization failure): the server
    // rolled the transaction back, and asks for it to be tried again.
    throw sdk::Error(WNO_ERR_UNAVAILABLE, std::string("job database rolled the transaction back; retry: ") + e.what());
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


namespace {

// Runs one prepared statement in autocommit: a single statement is its own
// transaction, so no BEGIN/COMMIT round trips.
pqxx::result run(Pool& pool, const std::string& sql, const Params& params) {
  auto c = pool.acquire();
  pqxx::nontransaction tx(*c->conn);
  return tx.exec_prepared(c->prepare(sql), pqxx::prepare::make_dynamic_params(params));
}

// As run(), for a statement that writes leases: the milliseconds spent
// waiting for a connection are bound as its last parameter, so the lease
// counts from when the statement runs, not from when the host asked
// (Sql's leaseLateMs).
pqxx::result runWritingLeases(Pool& pool, const std::string& sql, Params params) {
  const auto asked = std::chrono::steady_clock::now();
  auto c = pool.acquire();
  // Preparing (once per connection) takes the table's locks too.
  const std::string& statement = c->prepare(sql);
  const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - asked);
  params.push_back(std::to_string(waited.count()));
  pqxx::nontransaction tx(*c->conn);
  return tx.exec_prepared(statement, pqxx::prepare::make_dynamic_params(params));
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
  // Lease renewals get a session of their own: a renewal queued behind the
  // claims and finish batches it protects (seconds each on a starved
  // server) let leases lapse, and other hosts ran those jobs again.
  PoolOptions leaseOptions = options;
  leaseOptions.size = 1;
  leaseOptions.min = 1;
  pool_ = mapErrors([&] { return std::make_unique<Pool>(std::move(options)); });
  leasePool_ = mapErrors([&] { return std::make_unique<Pool>(std::move(leaseOptions)); });
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
    sql_->tables.sequence =
        txn.exec_params1("SELECT pg_get_serial_sequence($1, 'seq')", sql_->tables.jobs)[0].c_str();
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

// The records `which` names as enqueueMany's parameters: one array per
// column, in enqueueMany's order; data is already compact JSON.
Params enqueueColumns(const std::vector<JobRecord>& batch, const std::vector<size_t>& which) {
  ArrayLiteral id, type, queue, priority, data, attempts, maxAttempts, backoffType, backoffDelay, jitter, timeout,
      runAt, createdAt;
  for (size_t i : which) {
    const JobRecord& j = batch[i];
    id.add(std::string_view(j.id));
    type.add(std::string_view(j.type));
    queue.add(std::string_view(j.queue));
    priority.add(int64_t{j.priority});
    data.add(std::string_view(j.dataJson));
    attempts.add(j.attemptsMade);
    maxAttempts.add(j.maxAttempts);
    backoffType.add(std::string_view(j.backoff.type));
    backoffDelay.add(j.backoff.delayMs);
    jitter.add(std::string_view(json(j.backoff.jitter).dump()));
    timeout.add(j.timeoutMs);
    runAt.add(j.runAtMs);
    createdAt.add(j.createdAtMs);
  }
  return {id.take(),          type.take(),         queue.take(),  priority.take(), data.take(),
          attempts.take(),    maxAttempts.take(),  backoffType.take(), backoffDelay.take(), jitter.take(),
          timeout.take(),     runAt.take(),        createdAt.take()};
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
    // Every id new (the usual case): a big batch written by COPY
    // (pg_job_copy.h), a small one (group commit's few) by one statement:
    // COPY's round trips (its transaction, the seqs, two streams) cost
    // more than they save below a few hundred rows.
    constexpr size_t kCopyFrom = 256;
    try {
      if (batch.size() >= kCopyFrom) {
        auto c = pool_->acquire();
        pqxx::work txn(*c->conn);
        copyNewJobs(txn, sql_->tables, batch);
        txn.commit();
      } else {
        run(*pool_, sql_->enqueueManyFresh, enqueueColumns(batch, pending));
      }
      for (size_t i : pending) {
        if (created) created[i] = 1;
        stored[i] = jobs::toJson(batch[i]);
        wake.insert(batch[i].queue);
      }
      pending.clear();
    } catch (const pqxx::unique_violation&) {
      // An id that exists (or comes twice): the batch goes the way below.
    }
    // As in enqueue(): ON CONFLICT waits for a concurrent insert of the same
    // id, so the read finds it; retried only for ids purged in between.
    for (int attempt = 0; attempt < 3 && !pending.empty(); ++attempt) {
      std::set<std::string> inserted;
      for (const auto& row : run(*pool_, sql_->enqueueMany, enqueueColumns(batch, pending))) {
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
  const bool allCompleted = std::all_of(items.begin(), items.end(), [](const jobs::FinishItem& f) {
    return f.kind == jobs::FinishItem::Kind::Complete;
  });
  std::vector<int64_t> seqs;
  const bool seqsKnown = allCompleted && batches_.seqsOf([&] {
    std::vector<std::string_view> ids;
    ids.reserve(items.size());
    for (const auto& f : items) ids.emplace_back(f.id);
    return ids;
  }(), seqs);
  const std::string* statement = &sql_->finishMany;
  Params params;
  if (seqsKnown) {
    statement = &sql_->finishCompleted;
    ArrayLiteral ord, seq, id, now, result;
    for (size_t i = 0; i < items.size(); ++i) {
      ord.add(static_cast<int64_t>(i));
      seq.add(seqs[i]);
      id.add(std::string_view(items[i].id));
      now.add(items[i].nowMs);
      result.add(items[i].resultJson);
    }
    params = {text(worker), ord.take(), seq.take(), id.take(), now.take(), result.take()};
  } else {
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
    params = {text(worker), ord.take(),    id.take(),    outcome.take(),
              now.take(),   result.take(), error.take(), retryAt.take()};
  }
  std::vector<bool> applied(items.size(), false);
  std::set<std::string> wake;
  mapErrors([&] {
    for (const auto& row : run(*pool_, *statement, params)) {
      const auto ord = static_cast<size_t>(asInt(row[0]));
      if (ord < applied.size()) applied[ord] = true;
      // A completion never puts a job back to waiting; the general form says.
      if (!seqsKnown && std::string_view(row[1].c_str()) == jobs::kWaiting) wake.insert(row[2].c_str());
    }
    return 0;
  });
  for (size_t i = 0; i < items.size(); ++i) {
    // Applied or refused, this host is done with it. Not when the statement
    // failed (above, thrown): the job may still be active, and its claims
    // row is how recovery finds it once its lease lapses.
    batches_.done(items[i].id);
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
  // This worker's claims rows whose jobs are all done here go in the same statement.
  const std::vector<int64_t> emptied = batches_.takeEmptied();
  ArrayLiteral gone;
  for (const int64_t batch : emptied) gone.add(batch);
  pqxx::result rows;
  try {
    rows = mapErrors([&] {
      return runWritingLeases(*pool_, sql_->claim,
                              {text(queue), text(worker), num(nowMs), num(leaseMs), num(maxJobs), gone.take()});
    });
  } catch (...) {
    batches_.putBack(emptied);
    throw;
  }
  // RETURNING has no order: restore the claim order, sorting the rows'
  // keys (priority, run_at_ms, seq) rather than the records.
  constexpr int kPriority = 4, kRunAtMs = 12;  // in kClaimColumns; seq is 0, claim_batch 17 after them
  std::vector<std::tuple<int64_t, int64_t, int64_t, size_t>> order;
  order.reserve(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const pqxx::row row = rows[static_cast<pqxx::result::size_type>(i)];
    const int64_t seq = asInt(row[0]);
    order.emplace_back(asInt(row[kPriority]), asInt(row[kRunAtMs]), seq, i);
    batches_.claimed(row[1].c_str(), seq, asInt(row[17]));
  }
  std::sort(order.begin(), order.end());
  for (const auto& key : order) {
    if (!out.write(jobs::toJson(readClaimed(rows[static_cast<pqxx::result::size_type>(std::get<3>(key))], worker).second))) {
      return;
    }
  }
}

wno_status PostgresJobStore::heartbeat(std::string_view id, std::string_view worker, int64_t nowMs, int64_t leaseMs) {
  jobs::requireLease(leaseMs);
  return report(mapErrors([&]() -> Outcome {
    const auto rows = runWritingLeases(*leasePool_, sql_->heartbeat, {text(id), text(worker), num(nowMs), num(leaseMs)});
    if (!rows.empty()) {
      if (rows[0][0].c_str()[0] == 't') return {WNO_ERR_CANCELLED, "job \"" + text(id) + "\" was cancelled"};
      return {};
    }
    Outcome lost = explain(*leasePool_, sql_->get, id, [&](JobRecord& j) { return jobs::checkLease(j, worker); });
    if (lost.status == WNO_ERR_PRECONDITION || lost.status == WNO_NOT_FOUND) batches_.done(id);
    return lost;
  }));
}

void PostgresJobStore::heartbeatMany(std::string_view worker, const std::vector<std::string_view>& ids, int64_t nowMs,
                                     int64_t leaseMs, wno_status* statuses) {
  jobs::requireLease(leaseMs);
  if (ids.empty()) return;
  // Jobs claimed here are renewed by seq (all of them, or the general form).
  std::vector<int64_t> seqs;
  const bool bySeq = batches_.seqsOf(ids, seqs);
  ArrayLiteral keys;
  if (bySeq) {
    for (const int64_t seq : seqs) keys.add(seq);
  } else {
    for (const auto id : ids) keys.add(id);
  }
  // id -> cancel requested, for the renewed ones.
  std::unordered_map<std::string, bool> renewed;
  mapErrors([&] {
    for (const auto& row : runWritingLeases(*leasePool_, bySeq ? sql_->heartbeatManyBySeq : sql_->heartbeatMany,
                                            {keys.take(), text(worker), num(nowMs), num(leaseMs)})) {
      renewed.emplace(row[0].c_str(), row[1].c_str()[0] == 't');
    }
    return 0;
  });
  json refused = json::array();
  std::vector<size_t> refusedAt;  // refused[k] is ids[refusedAt[k]]
  for (size_t i = 0; i < ids.size(); ++i) {
    auto it = renewed.find(std::string(ids[i]));
    if (it != renewed.end()) {
      statuses[i] = it->second ? WNO_ERR_CANCELLED : WNO_OK;
    } else {
      refused.push_back(ids[i]);
      refusedAt.push_back(i);
    }
  }
  if (refused.empty()) return;
  // Refused: the current rows, read in one statement, through the same
  // rules say why (a host's whole batch may have been recovered elsewhere).
  std::unordered_map<std::string, JobRecord> current;
  mapErrors([&] {
    for (const auto& row :
         run(*leasePool_, sql_->getMany, {refused.dump(-1, ' ', false, json::error_handler_t::replace)})) {
      JobRecord j = readJob(row).second;
      current.emplace(j.id, std::move(j));
    }
    return 0;
  });
  ArrayLiteral heldIds, heldAttempts;
  std::vector<size_t> heldAt;
  for (size_t i : refusedAt) {
    auto it = current.find(std::string(ids[i]));
    if (it == current.end()) {
      statuses[i] = WNO_NOT_FOUND;
      batches_.done(ids[i]);
      continue;
    }
    const Outcome o = jobs::checkLease(it->second, worker);
    if (!o.ok()) {
      statuses[i] = o.status;
      if (o.status == WNO_ERR_PRECONDITION) batches_.done(ids[i]);  // not held here any more
      continue;
    }
    // Still held: its row was locked (being finished here, or passed by
    // another host's claim) and skipped. Its lease is extended beside it.
    heldIds.add(ids[i]);
    heldAttempts.add(it->second.attemptsMade);
    heldAt.push_back(i);
    statuses[i] = it->second.cancelRequested ? WNO_ERR_CANCELLED : WNO_OK;
  }
  if (heldAt.empty()) return;
  try {
    mapErrors([&] {
      return runWritingLeases(*leasePool_, sql_->extendLocked,
                              {heldIds.take(), text(worker), num(nowMs), num(leaseMs), heldAttempts.take()});
    });
  } catch (const sdk::Error&) {
    // Not extended: the host renews them again on its next tick.
    for (size_t i : heldAt) statuses[i] = WNO_ERR_UNAVAILABLE;
  }
}

wno_status PostgresJobStore::complete(std::string_view id, std::string_view worker, int64_t nowMs,
                                      std::string_view resultJson) {
  const auto result = jobs::parseResult(resultJson);
  return report(mapErrors([&]() -> Outcome {
    const auto rows = run(*pool_, sql_->complete, {text(id), text(worker), num(nowMs), result});
    batches_.done(id);  // completed or refused (finishMany says why only then)
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
    batches_.done(id);  // as in complete()
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
    if (f.state) {
      add("state =", *f.state);
      // The index over failed and cancelled jobs is keyed on this column
      // (pg_job_sql.h); a bound state cannot tell the planner so.
      if (*f.state == jobs::kFailed || *f.state == jobs::kCancelled) where += " AND ended_badly";
    }
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
  // Claims rows left behind (by hosts that died, or whose jobs recovery took)
  // cost each pass a few lookups until they go.
  mapErrors([&] { return run(*pool_, sql_->dropDoneClaims, {}); });
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
