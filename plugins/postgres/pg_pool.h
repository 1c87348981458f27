// A bounded pool of libpqxx connections. Waits for a free connection at
// most `waitMs` (then WNO_ERR_RESOURCE_EXHAUSTED), drops connections that
// broke (in use, or found dead while idle), and prepares each statement once
// per connection.
#pragma once

#include <pqxx/pqxx>

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace wno::pg {

struct PgError : std::runtime_error {
  PgError(int32_t status, const std::string& message) : std::runtime_error(message), status(status) {}
  int32_t status;
};

struct PooledConnection {
  std::unique_ptr<pqxx::connection> conn;
  std::map<std::string, std::string> prepared;  // SQL -> statement name
  // The name of `sql` prepared on this connection, preparing it on first use.
  std::string prepare(const std::string& sql);
};

class Pool {
 public:
  Pool(std::string url, size_t size, std::chrono::milliseconds wait);

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

  Lease acquire();

 private:
  void release(std::unique_ptr<PooledConnection> c);

  std::string url_;
  size_t size_;
  std::chrono::milliseconds wait_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<PooledConnection>> idle_;
  size_t open_ = 0;
};

}  // namespace wno::pg
