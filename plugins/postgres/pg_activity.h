// Evidence that a PostgreSQL server answers this process: every pool of the
// plugin (repositories, job stores) records when a leased connection came
// back healthy, keyed by the server it talks to. The health probe reads it,
// so readiness never says "down" while this host's own queries succeed (a
// probe session can be slow to reconnect after a restart on a busy server
// while the pools are already working again).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace wno::pg {

class ServerActivity {
 public:
  void recordSuccess();
  // Milliseconds since the last success, or -1 when there was none.
  int64_t msSinceSuccess() const;

 private:
  std::atomic<int64_t> lastSuccessMs_{-1};
};

// The activity record of the server a URL or conninfo names (host, port and
// database; user and password do not matter). Lives for the process.
ServerActivity& activityFor(const std::string& urlOrConninfo);

}  // namespace wno::pg
