#include "protection/redis_link.h"

#include "common/clock.h"

#include <cerrno>

namespace wno::host {

Result<RedisAddress> parseRedisAddress(const std::string& url) {
  std::string error;
  if (auto parsed = common::parseRedisUrl(url, &error)) return *std::move(parsed);
  return Status(WNO_ERR_INVALID, error);
}

Result<std::unique_ptr<RedisLink>> RedisLink::open(const RedisAddress& address, std::chrono::milliseconds timeout) {
  redisContext* ctx = redisConnectWithTimeout(address.host.c_str(), address.port, common::toTimeval(timeout));
  if (ctx == nullptr) return Status(WNO_ERR_RESOURCE_EXHAUSTED, "cannot allocate a redis context");
  std::unique_ptr<RedisLink> link(new RedisLink(ctx));
  const std::string where = address.host + ":" + std::to_string(address.port);
  if (ctx->err) return link->failure("connect to " + where);
  if (redisSetTimeout(ctx, common::toTimeval(timeout)) != REDIS_OK) return link->failure("set timeout on " + where);
  auto expectOk = [&](const std::vector<std::string_view>& args, const char* what) -> Status {
    auto reply = link->command(args);
    if (!reply.isOk()) return reply.status();
    if (reply.value()->type == REDIS_REPLY_ERROR) {
      return Status(WNO_ERR_UNAVAILABLE, std::string("redis ") + what + " at " + where + ": " + reply.value()->str);
    }
    return Status::ok();
  };
  if (!address.password.empty()) {
    Status s = address.user.empty() ? expectOk({"AUTH", address.password}, "AUTH")
                                    : expectOk({"AUTH", address.user, address.password}, "AUTH");
    if (!s.isOk()) return s;
  }
  if (address.db != 0) {
    const std::string db = std::to_string(address.db);
    if (Status s = expectOk({"SELECT", db}, "SELECT"); !s.isOk()) return s;
  }
  return link;
}

RedisLink::~RedisLink() { redisFree(ctx_); }

Status RedisLink::failure(const std::string& what) {
  broken_ = true;
  // hiredis reports a read timeout as an I/O error with EAGAIN.
  const bool timedOut = ctx_->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK);
  const std::string reason = ctx_->errstr[0] ? ctx_->errstr : "connection lost";
  return Status(timedOut ? WNO_ERR_TIMEOUT : WNO_ERR_UNAVAILABLE, "redis " + what + ": " + reason);
}

Result<RedisReplyPtr> RedisLink::command(const std::vector<std::string_view>& args) {
  if (broken_) return Status(WNO_ERR_UNAVAILABLE, "redis connection is broken");
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (auto a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  RedisReplyPtr reply(static_cast<redisReply*>(
      redisCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lens.data())));
  if (!reply) return failure("command");
  return reply;
}

}  // namespace wno::host
