// Refreshes hot cache entries ahead of their expiry, in the background
// (FusionCache's eager refresh): a read that finds its value past a share
// of its TTL submits a refresh and is answered from the current value at
// once, so a popular key never expires under load and no caller waits.
// Bounded (a fixed pool of threads, a capped queue: a full queue drops the
// refresh, and the entry simply expires as it would have) and single-flight
// per key (a key already queued or running is not queued again).
// THREADS: submit() is safe from any thread and never blocks on the work;
// the destructor drops what is queued and joins the running work.
#pragma once

#include <nlohmann/json.hpp>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

namespace wno::host {

struct EagerRefreshOptions {
  bool enabled = true;
  double threshold = 0.8;  // share of the TTL after which a hit refreshes
  size_t threads = 1;
  size_t maxQueued = 1024;
};

// Reads /cache/eager_refresh; `error` names the offending pointer.
std::optional<EagerRefreshOptions> eagerRefreshFrom(const nlohmann::json& cache, std::string& error);

class EagerRefresher {
 public:
  explicit EagerRefresher(EagerRefreshOptions options);
  ~EagerRefresher();
  EagerRefresher(const EagerRefresher&) = delete;
  EagerRefresher& operator=(const EagerRefresher&) = delete;

  const EagerRefreshOptions& options() const { return options_; }
  // Whether a value expiring at `expiresAtMs`, written with a TTL of
  // `ttlMs`, is due for a refresh at `nowMs`.
  bool due(int64_t expiresAtMs, int64_t ttlMs, int64_t nowMs) const;
  // Queues work for `key`; false when it is already queued or running, the
  // queue is full, or eager refresh is off.
  bool submit(const std::string& key, std::function<void()> work);

  uint64_t submitted() const;
  uint64_t dropped() const;

 private:
  struct Task {
    std::string key;
    std::function<void()> work;
  };
  void run();

  EagerRefreshOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Task> queue_;
  std::unordered_set<std::string> pending_;  // queued or running
  bool stopping_ = false;
  uint64_t submitted_ = 0, dropped_ = 0;
  std::vector<std::thread> threads_;
};

}  // namespace wno::host
