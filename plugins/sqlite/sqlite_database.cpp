#include "sqlite_database.h"

#include <filesystem>

namespace wno::sqlite {

Connection::Connection(const std::string& path, int busyTimeoutMs) {
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw SqliteError(rc, "cannot open " + path + ": " + message);
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, busyTimeoutMs);
  exec("PRAGMA journal_mode=WAL");
  // NORMAL in WAL mode: a commit survives a process crash; only an OS crash
  // can lose the last transactions, which is the usual trade for write speed.
  exec("PRAGMA synchronous=NORMAL");
  exec("PRAGMA foreign_keys=ON");
}

Connection::~Connection() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  if (db_) sqlite3_close(db_);
}

void Connection::fail(int code, const std::string& context) {
  throw SqliteError(code, context + ": " + sqlite3_errmsg(db_));
}

void Connection::exec(const std::string& sql) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    std::string message = error ? error : sqlite3_errmsg(db_);
    sqlite3_free(error);
    throw SqliteError(rc, message);
  }
}

sqlite3_stmt* Connection::prepare(const std::string& sql) {
  auto it = statements_.find(sql);
  if (it != statements_.end()) {
    sqlite3_reset(it->second);
    sqlite3_clear_bindings(it->second);
    return it->second;
  }
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                                    nullptr);
  if (rc != SQLITE_OK) fail(rc, "prepare");
  // Bounded: statements differ only by filter shape, but a client can vary
  // that; past this many, drop the cache rather than grow without end.
  if (statements_.size() >= 256) {
    for (auto& [s, st] : statements_) sqlite3_finalize(st);
    statements_.clear();
  }
  statements_.emplace(sql, stmt);
  return stmt;
}

Database::Database(std::string path, size_t poolSize, int busyTimeoutMs)
    : path_(std::move(path)), poolSize_(std::max<size_t>(1, poolSize)), busyTimeoutMs_(busyTimeoutMs) {
  // Each connection to ":memory:" is its own database: one connection only.
  if (path_ == ":memory:") poolSize_ = 1;
  const auto parent = std::filesystem::path(path_).parent_path();
  if (!parent.empty() && path_ != ":memory:") std::filesystem::create_directories(parent);
  // Open one connection now so a bad path fails at create, not on first use.
  idle_.push_back(std::make_unique<Connection>(path_, busyTimeoutMs_));
  open_ = 1;
}

Database::Lease Database::acquire() {
  std::unique_lock lock(mutex_);
  while (idle_.empty() && open_ >= poolSize_) available_.wait(lock);
  if (!idle_.empty()) {
    auto c = std::move(idle_.back());
    idle_.pop_back();
    return Lease(*this, std::move(c));
  }
  ++open_;
  lock.unlock();
  try {
    return Lease(*this, std::make_unique<Connection>(path_, busyTimeoutMs_));
  } catch (...) {
    std::lock_guard relock(mutex_);
    --open_;
    available_.notify_one();
    throw;
  }
}

void Database::release(std::unique_ptr<Connection> c) {
  std::lock_guard lock(mutex_);
  if (c) idle_.push_back(std::move(c));
  else --open_;
  available_.notify_one();
}

}  // namespace wno::sqlite
