// A small pool of SQLite connections to one database file in WAL mode, with
// a prepared-statement cache per connection. WAL lets readers run while one
// writer commits; writes take BEGIN IMMEDIATE so two writers queue on the
// file lock (busy_timeout) instead of deadlocking on a lock upgrade.
#pragma once

#include <sqlite3.h>

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace wno::sqlite {

// An SQLite failure: the result code and the database's message.
class SqliteError : public std::runtime_error {
 public:
  SqliteError(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
  int code() const { return code_; }
  bool isConstraint() const { return (code_ & 0xff) == SQLITE_CONSTRAINT; }
  bool isBusy() const { return (code_ & 0xff) == SQLITE_BUSY || (code_ & 0xff) == SQLITE_LOCKED; }

 private:
  int code_;
};

class Connection {
 public:
  Connection(const std::string& path, int busyTimeoutMs);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void exec(const std::string& sql);
  // A prepared statement, reset and with bindings cleared, owned by the cache.
  sqlite3_stmt* prepare(const std::string& sql);
  sqlite3* handle() { return db_; }
  [[noreturn]] void fail(int code, const std::string& context);

 private:
  sqlite3* db_ = nullptr;
  std::map<std::string, sqlite3_stmt*> statements_;
};

class Database {
 public:
  Database(std::string path, size_t poolSize, int busyTimeoutMs);

  // RAII checkout of one connection.
  class Lease {
   public:
    Lease(Database& db, std::unique_ptr<Connection> c) : db_(db), connection_(std::move(c)) {}
    ~Lease() { db_.release(std::move(connection_)); }
    Connection* operator->() { return connection_.get(); }
    Connection& operator*() { return *connection_; }

   private:
    Database& db_;
    std::unique_ptr<Connection> connection_;
  };

  Lease acquire();
  const std::string& path() const { return path_; }

 private:
  void release(std::unique_ptr<Connection> c);

  std::string path_;
  size_t poolSize_;
  int busyTimeoutMs_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> idle_;
  size_t open_ = 0;
};

// Runs fn inside BEGIN IMMEDIATE .. COMMIT, rolling back if it throws.
template <typename Fn>
auto inWriteTransaction(Connection& c, Fn&& fn) {
  c.exec("BEGIN IMMEDIATE");
  try {
    auto result = fn();
    c.exec("COMMIT");
    return result;
  } catch (...) {
    try {
      c.exec("ROLLBACK");
    } catch (...) {
      // The original error is the one worth reporting.
    }
    throw;
  }
}

}  // namespace wno::sqlite
