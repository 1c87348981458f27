#include "sqlite_job_store.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <limits>
#include <map>
#include <mutex>
#include <set>

namespace wno::sqlite {

using jobs::InvalidInput;
using jobs::JobRecord;
using jobs::Outcome;

class Wakeups {
 public:
  uint64_t generation(const std::string& queue) {
    std::lock_guard lock(mutex_);
    return generations_[queue];
  }
  void bump(const std::string& queue) {
    {
      std::lock_guard lock(mutex_);
      generations_[queue] += 1;
    }
    changed_.notify_all();
  }
  void waitFor(const std::string& queue, uint64_t seen, std::chrono::steady_clock::time_point until) {
    std::unique_lock lock(mutex_);
    changed_.wait_until(lock, until, [&] { return generations_[queue] != seen; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, uint64_t> generations_;
};

namespace {

// One Wakeups per database file, shared by every store of this process on it.
std::shared_ptr<Wakeups> wakeupsFor(const std::string& key) {
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<Wakeups>> registry;
  std::lock_guard lock(mutex);
  for (auto it = registry.begin(); it != registry.end();) {
    it = it->second.expired() ? registry.erase(it) : std::next(it);
  }
  auto& slot = registry[key];
  auto wakeups = slot.lock();
  if (!wakeups) {
    wakeups = std::make_shared<Wakeups>();
    slot = wakeups;
  }
  return wakeups;
}

constexpr const char* kColumns =
    "seq, id, type, queue, priority, data, state, attempts_made, max_attempts, backoff_type, backoff_delay_ms, "
    "backoff_jitter, timeout_ms, run_at_ms, created_at_ms, started_at_ms, finished_at_ms, lease_owner, "
    "lease_expires_at_ms, last_error, result, cancel_requested";

// Idempotent: every start runs them all, inside one BEGIN IMMEDIATE, so
// several processes opening a fresh file at once create it exactly once.
const char* const kSchema[] = {
    "CREATE TABLE IF NOT EXISTS wno_jobs ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " id TEXT NOT NULL UNIQUE,"
    " type TEXT NOT NULL,"
    " queue TEXT NOT NULL,"
    " priority INTEGER NOT NULL,"
    " data TEXT NOT NULL,"
    " state TEXT NOT NULL,"
    " attempts_made INTEGER NOT NULL,"
    " max_attempts INTEGER NOT NULL,"
    " backoff_type TEXT NOT NULL,"
    " backoff_delay_ms INTEGER NOT NULL,"
    " backoff_jitter REAL NOT NULL,"
    " timeout_ms INTEGER NOT NULL,"
    " run_at_ms INTEGER NOT NULL,"
    " created_at_ms INTEGER NOT NULL,"
    " started_at_ms INTEGER,"
    " finished_at_ms INTEGER,"
    " lease_owner TEXT,"
    " lease_expires_at_ms INTEGER,"
    " last_error TEXT,"
    " result TEXT,"
    " cancel_requested INTEGER NOT NULL DEFAULT 0)",
    // The claim order of job_store.h, for waiting jobs only.
    "CREATE INDEX IF NOT EXISTS wno_jobs_claim ON wno_jobs (queue, priority, run_at_ms, seq) WHERE state = 'waiting'",
    // purge: finished_at_ms is set exactly while a job is finished.
    "CREATE INDEX IF NOT EXISTS wno_jobs_finished ON wno_jobs (finished_at_ms) WHERE finished_at_ms IS NOT NULL",
    // list by state, newest first (e.g. the failed jobs), and recovery of active jobs.
    "CREATE INDEX IF NOT EXISTS wno_jobs_state ON wno_jobs (state, seq)",
};

// A cached statement for one use: reset when it goes out of scope, so no
// statement stays open across COMMIT.
class Stmt {
 public:
  Stmt(Connection& c, const std::string& sql) : c_(c), s_(c.prepare(sql)) {}
  ~Stmt() { sqlite3_reset(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& bind(int i, int64_t v) { return check(sqlite3_bind_int64(s_, i, v)); }
  Stmt& bind(int i, double v) { return check(sqlite3_bind_double(s_, i, v)); }
  Stmt& bind(int i, std::string_view v) {
    // A NULL pointer would bind SQL NULL; an empty view is the empty string.
    return check(sqlite3_bind_text(s_, i, v.data() ? v.data() : "", static_cast<int>(v.size()), SQLITE_TRANSIENT));
  }
  Stmt& bind(int i, const std::optional<int64_t>& v) { return v ? bind(i, *v) : check(sqlite3_bind_null(s_, i)); }
  Stmt& bind(int i, const std::optional<std::string>& v) {
    return v ? bind(i, std::string_view(*v)) : check(sqlite3_bind_null(s_, i));
  }
  // True with a row, false when done.
  bool step() {
    const int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    c_.fail(rc, "step");
  }
  void run() {
    while (step()) {
    }
  }
  int64_t integer(int col) const { return sqlite3_column_int64(s_, col); }
  double real(int col) const { return sqlite3_column_double(s_, col); }
  bool isNull(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  std::string text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(s_, col))) : std::string();
  }
  std::optional<int64_t> optInteger(int col) const {
    return isNull(col) ? std::nullopt : std::optional<int64_t>(integer(col));
  }
  std::optional<std::string> optText(int col) const {
    return isNull(col) ? std::nullopt : std::optional<std::string>(text(col));
  }

 private:
  Stmt& check(int rc) {
    if (rc != SQLITE_OK) c_.fail(rc, "bind");
    return *this;
  }
  Connection& c_;
  sqlite3_stmt* s_;
};

// Reads a row selected with kColumns: (seq, record).
std::pair<int64_t, JobRecord> readJob(const Stmt& s) {
  JobRecord j;
  j.id = s.text(1);
  j.type = s.text(2);
  j.queue = s.text(3);
  j.priority = static_cast<int32_t>(s.integer(4));
  j.dataJson = s.text(5);
  j.state = s.text(6);
  j.attemptsMade = s.integer(7);
  j.maxAttempts = s.integer(8);
  j.backoff.type = s.text(9);
  j.backoff.delayMs = s.integer(10);
  j.backoff.jitter = s.real(11);
  j.timeoutMs = s.integer(12);
  j.runAtMs = s.integer(13);
  j.createdAtMs = s.integer(14);
  j.startedAtMs = s.optInteger(15);
  j.finishedAtMs = s.optInteger(16);
  j.leaseOwner = s.optText(17);
  j.leaseExpiresAtMs = s.optInteger(18);
  j.lastError = s.optText(19);
  j.resultJson = s.optText(20);
  j.cancelRequested = s.integer(21) != 0;
  return {s.integer(0), std::move(j)};
}

// Writes back the fields a transition may change.
void writeJob(Connection& c, int64_t seq, const JobRecord& j) {
  Stmt s(c,
         "UPDATE wno_jobs SET state = ?1, attempts_made = ?2, run_at_ms = ?3, started_at_ms = ?4, finished_at_ms = ?5,"
         " lease_owner = ?6, lease_expires_at_ms = ?7, last_error = ?8, result = ?9, cancel_requested = ?10"
         " WHERE seq = ?11");
  s.bind(1, std::string_view(j.state))
      .bind(2, j.attemptsMade)
      .bind(3, j.runAtMs)
      .bind(4, j.startedAtMs)
      .bind(5, j.finishedAtMs)
      .bind(6, j.leaseOwner)
      .bind(7, j.leaseExpiresAtMs)
      .bind(8, j.lastError)
      .bind(9, j.resultJson)
      .bind(10, int64_t{j.cancelRequested ? 1 : 0})
      .bind(11, seq)
      .run();
}

std::optional<std::pair<int64_t, JobRecord>> loadJob(Connection& c, std::string_view id) {
  Stmt s(c, std::string("SELECT ") + kColumns + " FROM wno_jobs WHERE id = ?1");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return readJob(s);
}

// One transition on a stored job, inside the caller's write transaction: the
// row through fn, written back if fn changed it (a refusal may still change
// it: a heartbeat on a cancelled job extends the lease). A job that went
// back to waiting adds its queue to *wake.
template <typename Fn>
Outcome applyToStored(Connection& c, std::string_view id, Fn&& fn, std::set<std::string>* wake) {
  auto found = loadJob(c, id);
  if (!found) return {WNO_NOT_FOUND, "job \"" + std::string(id) + "\" does not exist"};
  auto& [seq, job] = *found;
  JobRecord next = job;
  Outcome result = fn(next);
  if (!(next == job)) writeJob(c, seq, next);
  if (wake && job.state != jobs::kWaiting && next.state == jobs::kWaiting) wake->insert(next.queue);
  return result;
}

}  // namespace

SqliteJobStore::SqliteJobStore(DatabaseOptions options, Clock now)
    : db_(options.path, options.poolSize, options.busyTimeoutMs), now_(std::move(now)) {
  std::string key = options.path;
  if (key != ":memory:") key = std::filesystem::weakly_canonical(key).string();
  else key += ":" + std::to_string(reinterpret_cast<uintptr_t>(this));
  wakeups_ = wakeupsFor(key);
  migrate();
}

void SqliteJobStore::migrate() {
  auto c = db_.acquire();
  inWriteTransaction(*c, [&] {
    for (const char* statement : kSchema) c->exec(statement);
    return 0;
  });
}

template <typename Fn>
Outcome SqliteJobStore::transition(std::string_view id, Fn&& fn) {
  std::set<std::string> wake;
  Outcome outcome = [&] {
    auto c = db_.acquire();
    return inWriteTransaction(*c, [&] { return applyToStored(*c, id, fn, &wake); });
  }();
  for (const auto& queue : wake) wakeups_->bump(queue);
  return outcome;
}

namespace {

// Stores job unless its id exists (inside the caller's write transaction).
std::pair<bool, std::string> insertJob(Connection& c, const JobRecord& job) {
  if (auto existing = loadJob(c, job.id)) return {false, jobs::toJson(existing->second)};
  Stmt s(c,
       "INSERT INTO wno_jobs (id, type, queue, priority, data, state, attempts_made, max_attempts, backoff_type,"
       " backoff_delay_ms, backoff_jitter, timeout_ms, run_at_ms, created_at_ms, cancel_requested)"
       " VALUES (?1, ?2, ?3, ?4, ?5, 'waiting', ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 0)");
  s.bind(1, std::string_view(job.id))
      .bind(2, std::string_view(job.type))
      .bind(3, std::string_view(job.queue))
      .bind(4, int64_t{job.priority})
      .bind(5, std::string_view(job.dataJson))
      .bind(6, job.attemptsMade)
      .bind(7, job.maxAttempts)
      .bind(8, std::string_view(job.backoff.type))
      .bind(9, job.backoff.delayMs)
      .bind(10, job.backoff.jitter)
      .bind(11, job.timeoutMs)
      .bind(12, job.runAtMs)
      .bind(13, job.createdAtMs)
      .run();
  return {true, jobs::toJson(job)};
}

}  // namespace

std::pair<bool, std::string> SqliteJobStore::enqueue(std::string_view jobJson) {
  const JobRecord job = jobs::parseEnqueue(jobJson);
  auto result = [&] {
    auto c = db_.acquire();
    return inWriteTransaction(*c, [&] { return insertJob(*c, job); });
  }();
  if (result.first) wakeups_->bump(job.queue);
  return result;
}

std::vector<std::pair<bool, std::string>> SqliteJobStore::enqueueMany(std::string_view jobsJson, size_t count) {
  const std::vector<JobRecord> batch = jobs::parseEnqueueMany(jobsJson, count);
  std::set<std::string> wake;
  auto result = [&] {
    auto c = db_.acquire();
    // One transaction: one fsync for the whole batch, and all or nothing.
    return inWriteTransaction(*c, [&] {
      std::vector<std::pair<bool, std::string>> out;
      out.reserve(batch.size());
      for (const auto& job : batch) {
        out.push_back(insertJob(*c, job));
        if (out.back().first) wake.insert(job.queue);
      }
      return out;
    });
  }();
  for (const auto& queue : wake) wakeups_->bump(queue);
  return result;
}

std::vector<Outcome> SqliteJobStore::finishMany(std::string_view worker, std::string_view itemsJson, size_t count) {
  const std::vector<jobs::FinishItem> items = jobs::parseFinishMany(itemsJson, count);
  std::set<std::string> wake;
  auto result = [&] {
    auto c = db_.acquire();
    return inWriteTransaction(*c, [&] {
      std::vector<Outcome> out;
      out.reserve(items.size());
      for (const auto& item : items) {
        out.push_back(applyToStored(
            *c, item.id, [&](JobRecord& job) { return jobs::applyFinish(job, worker, item); }, &wake));
      }
      return out;
    });
  }();
  for (const auto& queue : wake) wakeups_->bump(queue);
  return result;
}

std::vector<std::string> SqliteJobStore::claim(std::string_view queue, std::string_view worker, uint32_t maxJobs,
                                               int64_t nowMs, int64_t leaseMs) {
  jobs::requireNonEmpty(queue, "queue");
  jobs::requireNonEmpty(worker, "worker");
  jobs::requireLease(leaseMs);
  std::vector<std::string> out;
  if (maxJobs == 0) return out;
  const jobs::LeaseClock leaseClock(nowMs, leaseMs);
  auto c = db_.acquire();
  return inWriteTransaction(*c, [&] {
    std::vector<std::pair<int64_t, JobRecord>> picked;
    {
      Stmt s(*c, std::string("SELECT ") + kColumns +
                     " FROM wno_jobs WHERE queue = ?1 AND state = 'waiting' AND run_at_ms <= ?2"
                     " ORDER BY priority, run_at_ms, seq LIMIT ?3");
      s.bind(1, queue).bind(2, nowMs).bind(3, int64_t{maxJobs});
      while (s.step()) picked.push_back(readJob(s));
    }
    // Picked as of now_ms; the leases count from when they are written.
    const int64_t leaseFrom = leaseClock.leaseFromMs();
    for (auto& [seq, job] : picked) {
      jobs::claim(job, worker, leaseFrom, leaseMs);
      writeJob(*c, seq, job);
      out.push_back(jobs::toJson(job));
    }
    return out;
  });
}

Outcome SqliteJobStore::heartbeat(std::string_view id, std::string_view worker, int64_t nowMs, int64_t leaseMs) {
  jobs::requireLease(leaseMs);
  const jobs::LeaseClock leaseClock(nowMs, leaseMs);
  return transition(id, [&](JobRecord& job) { return jobs::heartbeat(job, worker, leaseClock.leaseFromMs(), leaseMs); });
}

std::vector<Outcome> SqliteJobStore::heartbeatMany(std::string_view worker, const std::vector<std::string_view>& ids,
                                                   int64_t nowMs, int64_t leaseMs) {
  jobs::requireLease(leaseMs);
  const jobs::LeaseClock leaseClock(nowMs, leaseMs);
  auto c = db_.acquire();
  return inWriteTransaction(*c, [&] {
    const int64_t leaseFrom = leaseClock.leaseFromMs();
    std::vector<Outcome> out;
    out.reserve(ids.size());
    for (const auto id : ids) {
      out.push_back(applyToStored(
          *c, id, [&](JobRecord& job) { return jobs::heartbeat(job, worker, leaseFrom, leaseMs); }, nullptr));
    }
    return out;
  });
}

Outcome SqliteJobStore::complete(std::string_view id, std::string_view worker, int64_t nowMs,
                                 std::string_view resultJson) {
  const auto result = jobs::parseResult(resultJson);
  return transition(id, [&](JobRecord& job) { return jobs::complete(job, worker, nowMs, result); });
}

Outcome SqliteJobStore::fail(std::string_view id, std::string_view worker, int64_t nowMs, std::string_view error,
                             int64_t retryAtMs) {
  return transition(id, [&](JobRecord& job) { return jobs::fail(job, worker, nowMs, error, retryAtMs); });
}

Outcome SqliteJobStore::cancel(std::string_view id, int64_t nowMs) {
  return transition(id, [&](JobRecord& job) { return jobs::cancel(job, nowMs); });
}

Outcome SqliteJobStore::retry(std::string_view id, int64_t nowMs) {
  return transition(id, [&](JobRecord& job) { return jobs::retry(job, nowMs); });
}

std::optional<std::string> SqliteJobStore::get(std::string_view id) {
  auto c = db_.acquire();
  auto found = loadJob(*c, id);
  if (!found) return std::nullopt;
  return jobs::toJson(found->second);
}

std::vector<std::string> SqliteJobStore::list(std::string_view filterJson) {
  const jobs::ListFilter f = jobs::parseListFilter(filterJson);
  auto c = db_.acquire();
  // One snapshot for the after_id lookup and the page.
  c->exec("BEGIN");
  try {
    std::optional<int64_t> afterSeq;
    if (f.afterId) {
      Stmt s(*c, "SELECT seq FROM wno_jobs WHERE id = ?1");
      s.bind(1, std::string_view(*f.afterId));
      if (!s.step()) throw InvalidInput("after_id: no job \"" + *f.afterId + "\"");
      afterSeq = s.integer(0);
    }
    // Only the filters given appear in the SQL, so indexes can serve them.
    std::string sql = std::string("SELECT ") + kColumns + " FROM wno_jobs WHERE 1";
    if (f.state) sql += " AND state = ?1";
    if (f.queue) sql += " AND queue = ?2";
    if (f.type) sql += " AND type = ?3";
    if (afterSeq) sql += " AND seq < ?4";
    sql += " ORDER BY seq DESC LIMIT ?5";
    std::vector<std::string> out;
    {
      Stmt s(*c, sql);
      if (f.state) s.bind(1, std::string_view(*f.state));
      if (f.queue) s.bind(2, std::string_view(*f.queue));
      if (f.type) s.bind(3, std::string_view(*f.type));
      if (afterSeq) s.bind(4, *afterSeq);
      s.bind(5, static_cast<int64_t>(f.limit));
      while (s.step()) out.push_back(jobs::toJson(readJob(s).second));
    }
    c->exec("COMMIT");
    return out;
  } catch (...) {
    try {
      c->exec("ROLLBACK");
    } catch (...) {
    }
    throw;
  }
}

uint64_t SqliteJobStore::recoverStalled(int64_t nowMs) {
  std::set<std::string> wake;
  const uint64_t recovered = [&] {
    auto c = db_.acquire();
    return inWriteTransaction(*c, [&] {
      std::vector<std::pair<int64_t, JobRecord>> lapsed;
      {
        Stmt s(*c, std::string("SELECT ") + kColumns +
                       " FROM wno_jobs WHERE state = 'active' AND lease_expires_at_ms < ?1");
        s.bind(1, nowMs);
        while (s.step()) lapsed.push_back(readJob(s));
      }
      for (auto& [seq, job] : lapsed) {
        jobs::recoverStalled(job, nowMs);
        writeJob(*c, seq, job);
        if (job.state == jobs::kWaiting) wake.insert(job.queue);
      }
      return static_cast<uint64_t>(lapsed.size());
    });
  }();
  for (const auto& queue : wake) wakeups_->bump(queue);
  return recovered;
}

std::string SqliteJobStore::statsJson(int64_t nowMs) {
  std::map<std::string, jobs::QueueCounts> queues;
  auto c = db_.acquire();
  Stmt s(*c,
         "SELECT queue, state, state = 'waiting' AND run_at_ms > ?1 AS delayed, COUNT(*) FROM wno_jobs"
         " GROUP BY queue, state, delayed");
  s.bind(1, nowMs);
  while (s.step()) queues[s.text(0)].add(s.text(1), s.integer(2) != 0, s.integer(3));
  return jobs::statsJson(queues);
}

uint64_t SqliteJobStore::purge(int64_t beforeMs) {
  auto c = db_.acquire();
  return inWriteTransaction(*c, [&] {
    // No state test: finished_at_ms is non-NULL only on finished jobs, and
    // this form lets the partial index serve the range.
    Stmt s(*c, "DELETE FROM wno_jobs WHERE finished_at_ms < ?1");
    s.bind(1, beforeMs).run();
    return static_cast<uint64_t>(sqlite3_changes64(c->handle()));
  });
}

std::optional<int64_t> SqliteJobStore::nextRunAt(std::string_view queue) {
  auto c = db_.acquire();
  // One probe per priority: each is the first entry of the claim index.
  Stmt s(*c,
         "SELECT MIN(r) FROM ("
         " SELECT (SELECT run_at_ms FROM wno_jobs WHERE queue = ?1 AND state = 'waiting' AND priority = 0"
         "  ORDER BY run_at_ms LIMIT 1) AS r"
         " UNION ALL SELECT (SELECT run_at_ms FROM wno_jobs WHERE queue = ?1 AND state = 'waiting' AND priority = 1"
         "  ORDER BY run_at_ms LIMIT 1)"
         " UNION ALL SELECT (SELECT run_at_ms FROM wno_jobs WHERE queue = ?1 AND state = 'waiting' AND priority = 2"
         "  ORDER BY run_at_ms LIMIT 1)"
         " UNION ALL SELECT (SELECT run_at_ms FROM wno_jobs WHERE queue = ?1 AND state = 'waiting' AND priority = 3"
         "  ORDER BY run_at_ms LIMIT 1))");
  s.bind(1, queue);
  if (!s.step()) return std::nullopt;
  return s.optInteger(0);
}

void SqliteJobStore::wait(std::string_view queue, int64_t timeoutMs) {
  const auto start = std::chrono::steady_clock::now();
  auto until = start + std::chrono::milliseconds(std::max<int64_t>(0, timeoutMs));
  const std::string name(queue);
  // Read the generation before looking, so an enqueue in between still wakes us.
  const uint64_t seen = wakeups_->generation(name);
  if (auto next = nextRunAt(queue)) {
    const int64_t now = now_();
    if (*next <= now) return;
    until = std::min(until, start + std::chrono::milliseconds(*next - now));
  }
  wakeups_->waitFor(name, seen, until);
}

}  // namespace wno::sqlite
