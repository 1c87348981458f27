#include "pg_pool.h"

#include <wno/common.h>

#include <poll.h>

namespace wno::pg {
namespace {

// Checks an idle connection without a round trip: an idle connection has
// nothing to read unless the server wrote to it, typically its goodbye
// (an error message, then end of file) before going away. Consuming that
// finds the end. Handing out such a connection would fail the caller's
// statement, and libpqxx 6.4 leaks the failed statement's result then.
bool stillConnected(pqxx::connection& conn) {
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

}  // namespace

std::string PooledConnection::prepare(const std::string& sql) {
  auto it = prepared.find(sql);
  if (it != prepared.end()) return it->second;
  const std::string name = "wno_" + std::to_string(prepared.size());
  conn->prepare(name, sql);
  prepared.emplace(sql, name);
  return name;
}

Pool::Pool(std::string url, size_t size, std::chrono::milliseconds wait)
    : url_(std::move(url)), size_(std::max<size_t>(1, size)), wait_(wait) {
  // Connect once now: a wrong URL or a down database fails at create with
  // the server's message, not on the first request.
  auto c = std::make_unique<PooledConnection>();
  try {
    c->conn = std::make_unique<pqxx::connection>(url_);
  } catch (const std::exception& e) {
    throw PgError(WNO_ERR_UNAVAILABLE, std::string("cannot connect: ") + e.what());
  }
  idle_.push_back(std::move(c));
  open_ = 1;
}

Pool::Lease Pool::acquire() {
  std::unique_lock lock(mutex_);
  const auto deadline = std::chrono::steady_clock::now() + wait_;
  while (idle_.empty() && open_ >= size_) {
    if (available_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() && open_ >= size_) {
      throw PgError(WNO_ERR_RESOURCE_EXHAUSTED,
                    "no database connection free within " + std::to_string(wait_.count()) + " ms");
    }
  }
  while (!idle_.empty()) {
    auto c = std::move(idle_.back());
    idle_.pop_back();
    if (stillConnected(*c->conn)) return Lease(*this, std::move(c));
    --open_;  // died while idle (server restart, idle timeout): open a fresh one instead
  }
  ++open_;
  lock.unlock();
  try {
    auto c = std::make_unique<PooledConnection>();
    c->conn = std::make_unique<pqxx::connection>(url_);
    return Lease(*this, std::move(c));
  } catch (const std::exception& e) {
    std::lock_guard relock(mutex_);
    --open_;
    available_.notify_one();
    throw PgError(WNO_ERR_UNAVAILABLE, std::string("cannot connect: ") + e.what());
  }
}

void Pool::release(std::unique_ptr<PooledConnection> c) {
  std::lock_guard lock(mutex_);
  if (c && c->conn && c->conn->is_open()) {
    idle_.push_back(std::move(c));
  } else {
    --open_;  // broken: the next acquire opens a fresh one
  }
  available_.notify_one();
}

}  // namespace wno::pg
