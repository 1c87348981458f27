// A bounded pool of libpqxx connections. Waits for a free connection at
// most pool_wait_ms (then WNO_ERR_RESOURCE_EXHAUSTED), drops connections
// that broke (in use, or found dead while idle), and prepares each
// statement once per connection. New connections are opened by a thread of
// the pool's own, never by the caller: after a database restart on a busy
// machine a connect can wait seconds in the postmaster's accept queue, and
// a request must not wait longer than pool_wait_ms for it (it gets a 503 and
// the connection joins the pool when it is ready). A watchdog closes the socket of a lease
// that has waited past the client deadline (pg_options.h): the blocked
// call then fails as a lost connection, and the caller reports a timeout.
#pragma once

#include "pg_activity.h"
#include "pg_connect.h"
#include "pg_options.h"

#include <pqxx/pqxx>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace wno::pg {

struct PgError : std::runtime_error {
  PgError(int32_t status, const std::string& message) : std::runtime_error(message), status(status) {}
  int32_t status;
};

// The names of the statements prepared on one session, by SQL text. Filters,
// field lists and in.() lengths make many texts, and each prepared one holds
// memory in the server for the session's life: the newest kMax are kept.
class PreparedNames {
 public:
  static constexpr size_t kMax = 256;
  explicit PreparedNames(std::string prefix) : prefix_(std::move(prefix)) {}
  // The name `sql` was prepared under, or nullptr.
  const std::string* find(const std::string& sql) const;
  // A fresh name for `sql`, to prepare it under. When kMax are kept, the
  // oldest is forgotten first and `deallocate` called with its name.
  const std::string& add(const std::string& sql, const std::function<void(const std::string&)>& deallocate);
  // Undoes add() for a statement the server refused to prepare.
  void forget(const std::string& sql);

 private:
  std::string prefix_;
  std::map<std::string, std::string> names_;  // SQL -> statement name
  std::deque<std::string> order_;             // SQL, oldest first
  uint64_t next_ = 0;
};

struct PooledConnection {
  std::unique_ptr<Connection> conn;
  // The libpq session under conn (reads use it directly, pg_read.h); null
  // only if libpqxx opened the connection by itself.
  PGconn* session = nullptr;
  // A direct read found the session lost: libpqxx does not know, so the
  // pool asks this too before taking the connection back.
  bool broken = false;
  PreparedNames prepared{"wno_"};  // through libpqxx
  PreparedNames readPrepared{"wnr_"};  // by pg_read.h, on the same session
  // The name of `sql` prepared on this connection, preparing it on first use.
  const std::string& prepare(const std::string& sql);

  // While leased (guarded by the pool's mutex): when the watchdog gives up
  // on it, and whether it did.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  bool abandoned = false;
};

// After a pooled call failed as a lost connection: the client deadline, if
// the watchdog closed that connection on this thread's last lease (then
// the failure is the database not answering in time), else 0. Clears it.
std::chrono::milliseconds takeAbandonedDeadline();

class Pool {
 public:
  explicit Pool(PoolOptions options);
  ~Pool();

  class Lease {
   public:
    Lease(Pool& pool, std::unique_ptr<PooledConnection> c) : pool_(pool), c_(std::move(c)) {}
    ~Lease() { pool_.release(std::move(c_)); }
    PooledConnection& operator*() { return *c_; }
    PooledConnection* operator->() { return c_.get(); }

   private:
    Pool& pool_;
    std::unique_ptr<PooledConnection> c_;
  };

  // Within the client deadline, unless `unbounded` (migrations: an index
  // build on a big table may take minutes; run those with
  // SET LOCAL statement_timeout = 0).
  Lease acquire(bool unbounded = false);
  const PoolOptions& options() const { return options_; }

 private:
  Lease lease(std::unique_ptr<PooledConnection> c, bool unbounded);  // mutex_ held
  void release(std::unique_ptr<PooledConnection> c);
  void watch();
  void openConnections();  // the opener thread

  PoolOptions options_;
  std::string conninfo_;
  // The opener stays with one connect far longer than callers wait for it
  // (kOpenerPatienceFloor in pg_pool.cpp says why).
  std::chrono::milliseconds openerPatience_;
  std::string openerConninfo_;
  ServerActivity& activity_;  // shared with the health probe of the same server
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<PooledConnection>> idle_;
  std::vector<PooledConnection*> leased_;
  size_t open_ = 0;     // idle + leased + being checked + being opened
  size_t checking_ = 0;  // taken from idle_ by an acquire checking it is still connected
  size_t opening_ = 0;  // asked of the opener, not yet done
  std::chrono::steady_clock::time_point openingSince_{};  // the opener's current connect, if any
  bool openerBusy_ = false;
  uint64_t connectFailures_ = 0;  // bumped on every failed open; waiters fail fast on a change
  std::string lastConnectError_;
  std::condition_variable openWanted_;
  std::thread opener_;
  bool stopping_ = false;
  std::condition_variable watchdogWake_;
  std::thread watchdog_;
};

}  // namespace wno::pg
