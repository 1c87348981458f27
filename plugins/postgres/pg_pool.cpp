#include "pg_pool.h"

#include "pg_connect.h"

#include <wno/common.h>

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <exception>
#include <utility>

namespace wno::pg {
namespace {

// Checks an idle connection without a round trip: an idle connection has
// nothing to read unless the server wrote to it, typically its goodbye
// (an error message, then end of file) before going away. Consuming that
// finds the end. Handing out such a connection would fail the caller's
// statement, and libpqxx 6.4 leaks the failed statement's result then.
bool stillConnected(pqxx::connection_base& conn) {
  const int fd = conn.sock();
  if (fd < 0) return false;
  for (int round = 0; round < 4; ++round) {
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, 0);
    if (ready == 0) return conn.is_open();
    if (ready < 0 || (p.revents & (POLLERR | POLLHUP | POLLNVAL))) return false;
    try {
      conn.get_notifs();
    } catch (const std::exception&) {
      return false;
    }
    if (!conn.is_open()) return false;
  }
  return true;  // still talking (notices): let the statement find out
}

thread_local std::chrono::milliseconds abandonedDeadline{0};

// The opener stays with one connect for at least this long (or three
// connect timeouts, if longer). Callers still wait at most
// connect_timeout_ms for it (acquire), then fail fast. A server slowed by
// its restart, or starved of CPU, can take tens of seconds to hand out a
// session; an attempt given up wastes the backend the server already
// started for it and joins the back of the postmaster's queue again, so
// with a patience near the callers' a slow server is never reached. A
// server that is gone is not waited for this long: the liveness settings
// (pg_liveness.h) end its attempt within about ten seconds. So the connect
// completes in the background and the next caller (a circuit breaker's
// trial) finds it in the pool.
constexpr std::chrono::milliseconds kOpenerPatienceFloor{60000};
constexpr int kOpenerPatienceTimeouts = 3;

// A connection for the pool, its libpq session recorded for direct reads
// (pg_read.h). Throws as connectUntil does.
std::unique_ptr<PooledConnection> openPooled(const std::string& conninfo,
                                             std::chrono::steady_clock::time_point deadline,
                                             const std::function<bool()>& stopRequested) {
  auto c = std::make_unique<PooledConnection>();
  c->conn = connectUntil(conninfo, deadline, stopRequested, &c->session);
  return c;
}

}  // namespace

std::chrono::milliseconds takeAbandonedDeadline() { return std::exchange(abandonedDeadline, std::chrono::milliseconds(0)); }

const std::string* PreparedNames::find(const std::string& sql) const {
  const auto it = names_.find(sql);
  return it == names_.end() ? nullptr : &it->second;
}

const std::string& PreparedNames::add(const std::string& sql,
                                      const std::function<void(const std::string&)>& deallocate) {
  if (names_.size() >= kMax) {
    auto oldest = names_.find(order_.front());
    const std::string name = std::move(oldest->second);
    names_.erase(oldest);
    order_.pop_front();
    deallocate(name);
  }
  order_.push_back(sql);
  return names_.emplace(sql, prefix_ + std::to_string(next_++)).first->second;
}

void PreparedNames::forget(const std::string& sql) {
  names_.erase(sql);
  order_.erase(std::remove(order_.begin(), order_.end(), sql), order_.end());
}

const std::string& PooledConnection::prepare(const std::string& sql) {
  if (const std::string* name = prepared.find(sql)) return *name;
  // DEALLOCATE is not undone by a rollback, so evicting is safe inside a transaction.
  const std::string& name = prepared.add(sql, [this](const std::string& old) { conn->unprepare(old); });
  conn->prepare(name, sql);
  return name;
}

Pool::Pool(PoolOptions options)
    : options_(std::move(options)),
      conninfo_(options_.conninfo()),
      openerPatience_(std::max(kOpenerPatienceFloor, kOpenerPatienceTimeouts * options_.connectTimeout)),
      openerConninfo_(options_.conninfo(openerPatience_)),
      activity_(activityFor(options_.url)) {
  options_.size = std::max<size_t>(1, options_.size);
  // Connect once now: a wrong URL or a down database fails at create with
  // the server's message, not on the first request.
  const auto never = [] { return false; };
  try {
    // libpq waits at least 2 s (pg_options.h): so does this first connect.
    const auto patience = std::max(options_.connectTimeout, std::chrono::milliseconds(2000));
    idle_.push_back(openPooled(conninfo_, std::chrono::steady_clock::now() + patience, never));
  } catch (const std::exception& e) {
    throw PgError(WNO_ERR_UNAVAILABLE, std::string("cannot connect: ") + e.what());
  }
  open_ = 1;
  // The rest of pool_min before the pool serves: connections opened under
  // load stall the whole server on a small machine (every new backend
  // joins the back of a long run queue holding locks the running ones
  // need), so they are opened before the host reports ready. What is not
  // open within one connect timeout is left to the opener.
  const size_t warm = std::min(options_.min, options_.size);
  const auto warmUntil = std::chrono::steady_clock::now() + options_.connectTimeout;
  while (open_ < warm && std::chrono::steady_clock::now() < warmUntil) {
    try {
      idle_.push_back(openPooled(conninfo_, warmUntil, never));
    } catch (const std::exception&) {
      break;
    }
    ++open_;
  }
  if (warm > open_) {
    opening_ = warm - open_;
    open_ = warm;
  }
  if (options_.clientDeadline().count() > 0) watchdog_ = std::thread([this] { watch(); });
  opener_ = std::thread([this] { openConnections(); });
}

Pool::~Pool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  watchdogWake_.notify_all();
  openWanted_.notify_all();
  if (watchdog_.joinable()) watchdog_.join();
  if (opener_.joinable()) opener_.join();
}

void Pool::openConnections() {
  std::unique_lock lock(mutex_);
  for (;;) {
    openWanted_.wait(lock, [this] { return stopping_ || opening_ > 0; });
    if (stopping_) return;
    openerBusy_ = true;
    openingSince_ = std::chrono::steady_clock::now();
    const auto giveUpAt = openingSince_ + openerPatience_;
    lock.unlock();
    std::unique_ptr<PooledConnection> c;
    std::string error;
    try {
      c = openPooled(openerConninfo_, giveUpAt, [this] {
        std::lock_guard stopLock(mutex_);
        return stopping_;
      });
    } catch (const std::exception& e) {
      error = e.what();
      while (!error.empty() && (error.back() == '\n' || error.back() == ' ')) error.pop_back();
    }
    lock.lock();
    openerBusy_ = false;
    --opening_;
    if (error.empty()) {
      idle_.push_back(std::move(c));
      available_.notify_one();
    } else {
      // Every waiter learns at once (and fails fast with the server's
      // message); asking again is theirs to decide. Nothing else is being
      // opened now, so what is open is what is idle, leased, or being
      // checked by an acquire (which takes it off open_ if it is dead).
      opening_ = 0;
      open_ = idle_.size() + leased_.size() + checking_;
      lastConnectError_ = error;
      ++connectFailures_;
      available_.notify_all();
    }
  }
}

Pool::Lease Pool::acquire(bool unbounded) {
  std::unique_lock lock(mutex_);
  // Migrations (unbounded) may also wait for a connection to be opened.
  const auto deadline = std::chrono::steady_clock::now() + options_.wait + (unbounded ? options_.connectTimeout : std::chrono::milliseconds(0));
  const uint64_t failuresAtStart = connectFailures_;
  for (;;) {
    while (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      // The check is a system call: made under the lock, it queued every
      // other acquire and release behind it. The connection is this
      // thread's alone meanwhile (neither idle nor leased).
      ++checking_;
      lock.unlock();
      const bool alive = stillConnected(*c->conn);
      lock.lock();
      --checking_;
      if (alive) return lease(std::move(c), unbounded);
      --open_;  // died while idle (server restart, idle timeout): open a fresh one instead
    }
    if (connectFailures_ != failuresAtStart) {
      throw PgError(WNO_ERR_UNAVAILABLE, "cannot connect: " + lastConnectError_);
    }
    if (open_ < options_.size) {
      ++open_;
      ++opening_;
      openWanted_.notify_one();
    }
    if (available_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty()) {
      // No connection works at all (the server is coming back from a
      // restart): the caller is the one call a circuit breaker lets through
      // to find out, so it may wait for the connect in progress, up to the
      // connect timeout, instead of failing the trial at pool_wait_ms.
      if (leased_.empty() && openerBusy_ && connectFailures_ == failuresAtStart &&
          std::chrono::steady_clock::now() < deadline + options_.connectTimeout) {
        available_.wait_until(lock, deadline + options_.connectTimeout);
        if (!idle_.empty() || connectFailures_ != failuresAtStart) continue;
      }
      if (connectFailures_ != failuresAtStart) {
        throw PgError(WNO_ERR_UNAVAILABLE, "cannot connect: " + lastConnectError_);
      }
      if (openerBusy_ && opening_ > 0) {
        // Not a busy pool: the connection we are waiting for is stuck
        // connecting (a server that accepts and never answers, or a
        // postmaster far behind on its accept queue).
        const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - openingSince_);
        throw PgError(WNO_ERR_UNAVAILABLE, "cannot connect within " + std::to_string(options_.wait.count()) +
                                               " ms: a new connection has waited " + std::to_string(waited.count()) +
                                               " ms for the server to answer");
      }
      throw PgError(WNO_ERR_RESOURCE_EXHAUSTED,
                    "no database connection free within " + std::to_string(options_.wait.count()) + " ms");
    }
  }
}

Pool::Lease Pool::lease(std::unique_ptr<PooledConnection> c, bool unbounded) {
  const auto limit = options_.clientDeadline();
  c->deadline = unbounded || limit.count() == 0 ? std::chrono::steady_clock::time_point::max()
                                                : std::chrono::steady_clock::now() + limit;
  c->abandoned = false;
  leased_.push_back(c.get());
  return Lease(*this, std::move(c));
}

void Pool::release(std::unique_ptr<PooledConnection> c) {
  std::unique_ptr<PooledConnection> broken;  // closed after the lock: closing may write to the socket
  {
    std::lock_guard lock(mutex_);
    leased_.erase(std::remove(leased_.begin(), leased_.end(), c.get()), leased_.end());
    // Only while the call is failing: an answer that beat the close is a success.
    if (c && c->abandoned && std::uncaught_exceptions() > 0) abandonedDeadline = options_.clientDeadline();
    if (c && c->conn && c->conn->is_open() && !c->broken && !c->abandoned) {
      activity_.recordSuccess();  // the server answered this lease (an SQL error is an answer too)
      idle_.push_back(std::move(c));
    } else {
      --open_;  // broken or abandoned: the next acquire opens a fresh one
      broken = std::move(c);
    }
  }
  // After unlocking: a waiter woken under the lock would only block on it.
  available_.notify_one();
}

void Pool::watch() {
  // Polling is enough: deadlines are seconds, 100 ms late is fine, and it
  // costs the query path nothing.
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    watchdogWake_.wait_for(lock, std::chrono::milliseconds(100));
    const auto now = std::chrono::steady_clock::now();
    for (PooledConnection* c : leased_) {
      if (c->abandoned || now < c->deadline) continue;
      c->abandoned = true;
      // Not close(): the leasing thread still owns the descriptor. After
      // shutdown its blocked read returns end-of-file at once.
      const int fd = c->conn->sock();
      if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
    }
  }
}

}  // namespace wno::pg
