#include "redis_client.h"

#include "common/clock.h"

#include <wno/common.h>

#include <poll.h>

#include <algorithm>
#include <cerrno>

namespace wno::redis {

RedisUrl parseRedisUrl(const std::string& url) {
  std::string error;
  if (auto parsed = common::parseRedisUrl(url, &error)) return *std::move(parsed);
  throw RedisError(WNO_ERR_INVALID, "url: " + error);
}

Connection::Connection(const RedisUrl& url, std::chrono::milliseconds timeout) {
  ctx_ = redisConnectWithTimeout(url.host.c_str(), url.port, common::toTimeval(timeout));
  if (ctx_ == nullptr) throw RedisError(WNO_ERR_RESOURCE_EXHAUSTED, "cannot allocate a redis context");
  // A throwing constructor runs no destructor: free the context here.
  try {
    if (ctx_->err) fail("connect to " + url.host + ":" + std::to_string(url.port));
    redisSetTimeout(ctx_, common::toTimeval(timeout));
    timeout_ = timeout;
    redisEnableKeepAlive(ctx_);
    if (!url.password.empty()) {
      if (url.user.empty()) command({"AUTH", url.password});
      else command({"AUTH", url.user, url.password});
    }
    if (url.db != 0) command({"SELECT", std::to_string(url.db)});
  } catch (...) {
    redisFree(ctx_);
    ctx_ = nullptr;
    throw;
  }
}

Connection::~Connection() {
  if (ctx_) redisFree(ctx_);
}

void Connection::setTimeout(std::chrono::milliseconds timeout) {
  if (timeout == timeout_) return;
  if (redisSetTimeout(ctx_, common::toTimeval(timeout)) != REDIS_OK) fail("set timeout");
  timeout_ = timeout;
}

void Connection::fail(const std::string& what) {
  broken_ = true;
  const bool timedOut = ctx_ && ctx_->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK);
  throw RedisError(timedOut ? WNO_ERR_TIMEOUT : WNO_ERR_UNAVAILABLE,
                   "redis " + what + ": " + (ctx_ && ctx_->errstr[0] ? ctx_->errstr : "connection lost"));
}

Reply Connection::take(void* raw) {
  Reply reply(static_cast<redisReply*>(raw));
  if (!reply) fail("command");
  if (reply->type == REDIS_REPLY_ERROR) throw RedisError(WNO_ERR_INTERNAL, "redis error: " + std::string(reply->str, reply->len));
  return reply;
}

Reply Connection::command(const std::vector<std::string_view>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (auto a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  return take(redisCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lens.data()));
}

std::vector<Reply> Connection::pipeline(const std::vector<std::vector<std::string_view>>& commands) {
  for (const auto& args : commands) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (auto a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    if (redisAppendCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lens.data()) != REDIS_OK) {
      fail("pipeline");
    }
  }
  std::vector<Reply> replies;
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(ctx_, &raw) != REDIS_OK) fail("pipeline");
    replies.push_back(take(raw));
  }
  return replies;
}

Reply Connection::readIfReady(std::chrono::milliseconds wait) {
  void* raw = nullptr;
  // A reply may already sit in hiredis' buffer from an earlier read.
  if (redisGetReplyFromReader(ctx_, &raw) != REDIS_OK) fail("read");
  if (raw) return take(raw);
  pollfd pfd{ctx_->fd, POLLIN, 0};
  const int ready = ::poll(&pfd, 1, static_cast<int>(wait.count()));
  if (ready < 0) fail("poll");
  if (ready == 0) return Reply();
  if (redisBufferRead(ctx_) != REDIS_OK) fail("read");
  if (redisGetReplyFromReader(ctx_, &raw) != REDIS_OK) fail("read");
  return raw ? take(raw) : Reply();
}

Pool::Pool(RedisUrl url, size_t size, std::chrono::milliseconds timeout)
    : url_(std::move(url)), size_(std::max<size_t>(1, size)), timeout_(timeout) {}

Pool::Lease Pool::acquire() { return acquire(timeout_); }

Pool::Lease Pool::acquire(std::chrono::milliseconds budget) { return Lease(*this, take(budget), budget); }

std::unique_ptr<Connection> Pool::take(std::chrono::milliseconds budget) {
  std::unique_lock lock(mutex_);
  const auto deadline = std::chrono::steady_clock::now() + budget;
  while (idle_.empty() && open_ >= size_) {
    if (available_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() && open_ >= size_) {
      throw RedisError(WNO_ERR_RESOURCE_EXHAUSTED, "no redis connection free within the timeout");
    }
  }
  if (!idle_.empty()) {
    auto c = std::move(idle_.back());
    idle_.pop_back();
    return c;
  }
  // While Redis is down every caller would otherwise pay a connect timeout;
  // after a failure, fail fast until the backoff (doubling, max 5 s) passes.
  const auto now = std::chrono::steady_clock::now();
  if (now < nextConnectAttempt_) throw RedisError(WNO_ERR_UNAVAILABLE, "redis unavailable (reconnect backing off)");
  ++open_;
  lock.unlock();
  try {
    auto c = std::make_unique<Connection>(url_, budget);
    std::lock_guard relock(mutex_);
    backoff_ = std::chrono::milliseconds(0);
    return c;
  } catch (...) {
    std::lock_guard relock(mutex_);
    --open_;
    backoff_ = std::min(std::chrono::milliseconds(5000), std::max(std::chrono::milliseconds(100), backoff_ * 2));
    nextConnectAttempt_ = std::chrono::steady_clock::now() + backoff_;
    available_.notify_one();
    throw;
  }
}

void Pool::release(std::unique_ptr<Connection> c) {
  std::lock_guard lock(mutex_);
  if (c && !c->broken()) {
    idle_.push_back(std::move(c));
  } else {
    --open_;  // a broken connection is dropped; the next acquire reconnects
  }
  available_.notify_one();
}

}  // namespace wno::redis
