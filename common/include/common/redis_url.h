// redis://[[user]:password@]host[:port][/db], as redis-cli reads it: a lone
// credential is the password, and the credentials end at the last '@' so a
// password may contain '@'. Shared by the host's own Redis link (shared rate
// limits, alert dedup) and the redis plugin, so one URL means the same
// server to both.
// THREADS: pure function.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace wno::common {

struct RedisUrl {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string user;
  std::string password;
  int db = 0;
};

// The parsed URL, or nullopt with `error` saying what is wrong (when given).
std::optional<RedisUrl> parseRedisUrl(std::string_view url, std::string* error = nullptr);

}  // namespace wno::common
