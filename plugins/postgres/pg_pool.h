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

struct PooledConnection {
  // Statements kept prepared per connection (the oldest are deallocated).
  static constexpr size_t kMaxPrepared = 256;

  std::unique_ptr<Connection> conn;
  std::map<std::string, std::string> prepared;  // SQL -> statement name
  std::deque<std::string> preparedOrder;       // SQL, oldest first
  uint64_t nextStatement = 0;
  // The name of `sql` prepared on this connection, preparing it on first use.
  std::string prepare(const std::string& sql);

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
  size_t open_ = 0;     // idle + leased + being opened
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
