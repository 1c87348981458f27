// A small synchronous Redis client over hiredis: URL parsing, replies as
// RAII, and a bounded connection pool that reconnects with backoff. Every
// failure is a RedisError carrying the ABI status it maps to, so callers
// degrade (UNAVAILABLE, TIMEOUT) instead of crashing.
#pragma once

#include "common/redis_url.h"

#include <hiredis/hiredis.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace wno::redis {

struct RedisError : std::runtime_error {
  RedisError(int32_t status, const std::string& message) : std::runtime_error(message), status(status) {}
  int32_t status;
};

using RedisUrl = common::RedisUrl;
// common::parseRedisUrl, throwing RedisError(INVALID) with what is wrong.
RedisUrl parseRedisUrl(const std::string& url);

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

class Connection {
 public:
  Connection(const RedisUrl& url, std::chrono::milliseconds timeout);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Reply command(const std::vector<std::string_view>& args);
  // Sends all commands in one round trip, then reads every reply.
  std::vector<Reply> pipeline(const std::vector<std::vector<std::string_view>>& commands);
  // For subscribers: the next pushed message, or an empty Reply when none
  // arrives within `wait`. Polls the socket rather than using hiredis read
  // timeouts, which leave the context unusable.
  Reply readIfReady(std::chrono::milliseconds wait);
  bool broken() const { return broken_; }
  // Socket read/write timeout for the following commands; a no-op when it
  // is already that (so per-call budgets cost no syscalls in steady state).
  void setTimeout(std::chrono::milliseconds timeout);

 private:
  [[noreturn]] void fail(const std::string& what);
  Reply take(void* reply);

  redisContext* ctx_ = nullptr;
  bool broken_ = false;
  std::chrono::milliseconds timeout_{0};
};

class Pool {
 public:
  Pool(RedisUrl url, size_t size, std::chrono::milliseconds timeout);

  class Lease {
   public:
    Lease(Pool& pool, std::unique_ptr<Connection> c, std::chrono::milliseconds timeout) : pool_(pool), c_(std::move(c)) {
      try {
        c_->setTimeout(timeout);
      } catch (...) {
        pool_.release(std::move(c_));  // broken now: the pool forgets it
        throw;
      }
    }
    ~Lease() { pool_.release(std::move(c_)); }
    Connection& operator*() { return *c_; }
    Connection* operator->() { return c_.get(); }

   private:
    Pool& pool_;
    std::unique_ptr<Connection> c_;
  };

  // Waits at most `budget` (default: the pool's timeout) for a free
  // connection, connecting within it if the pool has room; while Redis is
  // down, fails fast until the backoff allows another connect attempt. The
  // lease's socket timeout is set to the budget.
  Lease acquire();
  Lease acquire(std::chrono::milliseconds budget);
  const RedisUrl& url() const { return url_; }
  std::chrono::milliseconds timeout() const { return timeout_; }

 private:
  std::unique_ptr<Connection> take(std::chrono::milliseconds budget);
  void release(std::unique_ptr<Connection> c);

  RedisUrl url_;
  size_t size_;
  std::chrono::milliseconds timeout_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> idle_;
  size_t open_ = 0;
  std::chrono::steady_clock::time_point nextConnectAttempt_{};
  std::chrono::milliseconds backoff_{0};
};

}  // namespace wno::redis
