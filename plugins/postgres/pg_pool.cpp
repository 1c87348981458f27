#include "pg_pool.h"

#include <wno/common.h>

namespace wno::pg {

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
  if (!idle_.empty()) {
    auto c = std::move(idle_.back());
    idle_.pop_back();
    return Lease(*this, std::move(c));
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
