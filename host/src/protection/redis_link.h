// The host's own small Redis client (hiredis), for shared rate limits: one
// blocking connection with a timeout on connect and on every reply, AUTH and
// SELECT from the URL. Plugins have their own client; the host does not link
// plugin code. THREADS: a RedisLink is used by one thread at a time.
#pragma once

#include "common/redis_url.h"
#include "core/status.h"

#include <hiredis/hiredis.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace wno::host {

using RedisAddress = common::RedisUrl;
// common::parseRedisUrl as a Result: WNO_ERR_INVALID naming what is wrong.
Result<RedisAddress> parseRedisAddress(const std::string& url);

struct RedisReplyFree {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using RedisReplyPtr = std::unique_ptr<redisReply, RedisReplyFree>;

class RedisLink {
 public:
  // Connects, authenticates and selects the database; WNO_ERR_UNAVAILABLE
  // or WNO_ERR_TIMEOUT with the reason when it cannot.
  static Result<std::unique_ptr<RedisLink>> open(const RedisAddress& address, std::chrono::milliseconds timeout);
  ~RedisLink();
  RedisLink(const RedisLink&) = delete;
  RedisLink& operator=(const RedisLink&) = delete;

  // The reply (which may be an error reply: check type), or a failed Status
  // when the connection broke or timed out; a broken link must be dropped.
  Result<RedisReplyPtr> command(const std::vector<std::string_view>& args);
  bool broken() const { return broken_; }

 private:
  explicit RedisLink(redisContext* ctx) : ctx_(ctx) {}
  Status failure(const std::string& what);

  redisContext* ctx_;
  bool broken_ = false;
};

}  // namespace wno::host
