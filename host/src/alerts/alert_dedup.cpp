#include "alerts/alert_dedup.h"

#include "core/logger.h"

namespace wno::host::alerts {
namespace {

// KEYS[1] the rule's set; ARGV: op (fire|refresh|resolve), host, ttl ms.
// Redis' own clock decides expiry, so hosts' clocks need not agree. A resolve
// that finds the set empty sends too: Redis lost it (a restart), and a
// duplicate "resolved" beats none.
constexpr const char* kScript = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local before = redis.call('ZCARD', KEYS[1])
if ARGV[1] == 'resolve' then
  redis.call('ZREM', KEYS[1], ARGV[2])
else
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[2])
end
redis.call('PEXPIRE', KEYS[1], ttl)
local after = redis.call('ZCARD', KEYS[1])
if ARGV[1] == 'fire' and before == 0 and after == 1 then return 1 end
if ARGV[1] == 'resolve' and after == 0 then return 1 end
return 0
)lua";

}  // namespace

AlertDedup::AlertDedup(std::string url, std::string hostId, std::chrono::milliseconds ttl)
    : url_(std::move(url)), hostId_(std::move(hostId)), ttl_(ttl) {}

AlertDedup::~AlertDedup() = default;

std::optional<bool> AlertDedup::claim(const std::string& rule, Op op) {
  const std::string key = "wno:alerts:" + rule;
  const std::string ttl = std::to_string(ttl_.count());
  const char* name = op == Op::Fire ? "fire" : op == Op::Refresh ? "refresh" : "resolve";
  std::string error;
  // A kept connection may have died with an earlier Redis: one more try on
  // a fresh one before giving up.
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!link_ || link_->broken()) {
      link_.reset();
      auto address = parseRedisAddress(url_);
      if (!address.isOk()) return std::nullopt;
      auto opened = RedisLink::open(address.value(), std::chrono::milliseconds(500));
      if (!opened.isOk()) {
        error = opened.status().message();
        break;
      }
      link_ = std::move(opened).value();
    }
    auto reply = link_->command({"EVAL", kScript, "1", key, name, hostId_, ttl});
    if (!reply.isOk()) {
      error = reply.status().message();
      link_.reset();
      continue;
    }
    if (reply.value()->type == REDIS_REPLY_INTEGER) return reply.value()->integer == 1;
    error = reply.value()->str ? reply.value()->str : "unexpected reply";
    break;
  }
  logWarn("alerts", "alert dedup: Redis did not answer; this host sends its own alerts", {{"error", error}});
  return std::nullopt;
}

}  // namespace wno::host::alerts
