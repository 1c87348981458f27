// Deduplication of built-in alerts across hosts through Redis, so that N
// hosts seeing the same problem send one webhook, not N. Per rule, a sorted
// set holds the hosts currently firing it, each with an expiry (refreshed
// while it fires, so a host that died stops counting): the host whose "fire"
// takes the set from empty to one sends "firing"; the host whose "resolve"
// leaves it empty sends "resolved" (every host, when Redis lost the set). One Lua script per call, atomic on the server.
// Without Redis (unreachable, or not configured) every host sends its own:
// a duplicate beats a lost page. THREADS: one evaluating thread.
#pragma once

#include "protection/redis_link.h"

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace wno::host::alerts {

class AlertDedup {
 public:
  // `url` redis://...; `hostId` names this host in the set; `ttl` how long a
  // host counts as firing without a refresh.
  AlertDedup(std::string url, std::string hostId, std::chrono::milliseconds ttl);
  ~AlertDedup();

  enum class Op { Fire, Refresh, Resolve };
  // Whether this host should send the transition; nullopt when Redis did not
  // answer (the caller sends).
  std::optional<bool> claim(const std::string& rule, Op op);

 private:
  std::string url_;
  std::string hostId_;
  std::chrono::milliseconds ttl_;
  std::unique_ptr<RedisLink> link_;
};

}  // namespace wno::host::alerts
