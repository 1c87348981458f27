#include "protection/redis_link.h"

#include <cerrno>
#include <charconv>

namespace wno::host {
namespace {

timeval asTimeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

bool parseInt(std::string_view text, int& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

Result<RedisAddress> parseRedisAddress(const std::string& url) {
  const std::string scheme = "redis://";
  const std::string expected = "expected redis://[[user]:password@]host[:port][/db], got \"" + url + "\"";
  if (url.rfind(scheme, 0) != 0) return Status(WNO_ERR_INVALID, expected);
  std::string_view rest(url);
  rest.remove_prefix(scheme.size());
  RedisAddress a;
  // Credentials end at the last '@' so a password may contain '@'.
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view credentials = rest.substr(0, at);
    rest.remove_prefix(at + 1);
    if (auto colon = credentials.find(':'); colon != std::string_view::npos) {
      a.user = std::string(credentials.substr(0, colon));
      a.password = std::string(credentials.substr(colon + 1));
    } else {
      a.password = std::string(credentials);  // redis://secret@host, as redis-cli reads it
    }
  }
  std::string_view hostPort = rest;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    hostPort = rest.substr(0, slash);
    std::string_view db = rest.substr(slash + 1);
    if (!db.empty() && db.back() == '/') db.remove_suffix(1);
    if (!db.empty() && (!parseInt(db, a.db) || a.db < 0)) return Status(WNO_ERR_INVALID, "bad database number: " + expected);
  }
  if (auto colon = hostPort.rfind(':'); colon != std::string_view::npos) {
    if (!parseInt(hostPort.substr(colon + 1), a.port) || a.port < 1 || a.port > 65535) {
      return Status(WNO_ERR_INVALID, "bad port: " + expected);
    }
    hostPort = hostPort.substr(0, colon);
  }
  if (hostPort.empty()) return Status(WNO_ERR_INVALID, "no host: " + expected);
  a.host = std::string(hostPort);
  return a;
}

Result<std::unique_ptr<RedisLink>> RedisLink::open(const RedisAddress& address, std::chrono::milliseconds timeout) {
  redisContext* ctx = redisConnectWithTimeout(address.host.c_str(), address.port, asTimeval(timeout));
  if (ctx == nullptr) return Status(WNO_ERR_RESOURCE_EXHAUSTED, "cannot allocate a redis context");
  std::unique_ptr<RedisLink> link(new RedisLink(ctx));
  const std::string where = address.host + ":" + std::to_string(address.port);
  if (ctx->err) return link->failure("connect to " + where);
  if (redisSetTimeout(ctx, asTimeval(timeout)) != REDIS_OK) return link->failure("set timeout on " + where);
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
