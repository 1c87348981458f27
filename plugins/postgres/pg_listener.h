// One LISTEN connection per job store, on its own thread, turning
// NOTIFY <channel>, '<queue>' into per-queue wake-up generations that
// waiters block on. Started on first use; reconnects with backoff when the
// connection breaks, and wakes every waiter on (re)connect because a
// notification may have been missed meanwhile. While it is down, waits
// simply run to their timeout.
// THREADS: every method may be called concurrently; the destructor stops
// the thread (within ~200 ms) and must not race other calls.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace wno::pg {

class Listener {
 public:
  Listener(std::string url, std::string channel);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // Starts the thread if needed and waits (until `until` at most) for LISTEN
  // to be active. Returns whether it is.
  bool ensureListening(std::chrono::steady_clock::time_point until);
  uint64_t generation(const std::string& queue);
  // Returns when queue's generation differs from `seen`, or at `until`.
  void waitFor(const std::string& queue, uint64_t seen, std::chrono::steady_clock::time_point until);

 private:
  friend class Receiver;
  void run();
  void notified(const std::string& queue);
  void wakeAll();  // caller holds mutex_

  const std::string url_;
  const std::string channel_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, uint64_t> generations_;
  bool listening_ = false;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace wno::pg
