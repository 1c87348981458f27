// The connection options the repository and the job store share: where the
// database is, how many connections, and how long anything may wait on it.
// Every wait is bounded so a database that hangs (a lock held for ever, a
// frozen VM, a storage stall) answers callers with an error instead of
// pinning request threads:
//   pool_min              connections opened at start
//   pool_wait_ms          for a free pooled connection
//   connect_timeout_ms    for a new connection (libpq counts whole seconds, at least 2)
//   statement_timeout_ms  for one statement, enforced by the server; the
//                         client closes the connection kDeadlineGraceMs later
//                         if no answer came at all (0: no limit)
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <initializer_list>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace wno::pg {

// How long after statement_timeout_ms the client stops waiting for the
// server's own "canceling statement due to statement timeout".
constexpr std::chrono::milliseconds kDeadlineGraceMs{1000};

struct PoolOptions {
  std::string url;
  size_t size = 16;
  // Opened at start, before create returns (those that take longer than
  // connect_timeout_ms in all, by the pool's opener after), so the pool
  // does not have to grow under load: a busy server hands out new sessions
  // slowly, and opening them stalled every query for up to 1.5 s on a
  // saturated 2-core box.
  size_t min = 1;
  std::chrono::milliseconds wait{2000};
  std::chrono::milliseconds connectTimeout{5000};
  std::chrono::milliseconds statementTimeout{15000};
  // More session settings (name, value), sent like statement_timeout; for a
  // component's own planner needs. Names and values must be plain words.
  std::vector<std::pair<std::string, std::string>> sessionSettings;

  // The libpq connection string: url with connect_timeout and the session's
  // statement_timeout added (URL query parameters, or key=value pairs).
  std::string conninfo() const { return conninfo(connectTimeout); }
  // The same with another connect timeout.
  std::string conninfo(std::chrono::milliseconds timeout) const;
  // 0 when statements run without a limit.
  std::chrono::milliseconds clientDeadline() const {
    return statementTimeout.count() == 0 ? statementTimeout : statementTimeout + kDeadlineGraceMs;
  }
};

// The config keys parsePoolOptions reads, and `extra` (a component's own),
// for wno::sdk::ComponentConfig to check a config against.
std::vector<std::string> poolOptionKeys(std::initializer_list<const char*> extra = {});

// Reads url, pool_size, pool_min, pool_wait_ms, connect_timeout_ms and
// statement_timeout_ms from a plugin config; throws std::invalid_argument
// naming the key and what it expects.
PoolOptions parsePoolOptions(const nlohmann::json& config, size_t defaultSize);

}  // namespace wno::pg
