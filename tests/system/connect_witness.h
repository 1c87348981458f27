// How fast the PostgreSQL server itself takes NEW connections, measured from
// outside the hosts: one fresh connection (connect, SELECT 1, close) after
// another, each timed. A restarted server's clients all need new sessions,
// and every session is a forked backend; on a saturated machine the kernel
// can hold a freshly forked backend for seconds (measured: PostgreSQL's
// backends stall in setsid() beside a parallel build, 4-17 s), and then no
// client of that server, ours or anyone's, gets a session sooner. Bounds on
// how fast the hosts recover count from the moment this witness sees the
// server serve fresh connections promptly, not from the moment pg_ctl
// returned.
// THREADS: one background thread; the accessors are thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>

namespace wno::test::system {

class ConnectWitness {
 public:
  using Clock = std::chrono::steady_clock;
  // Starts connecting to `url` at once; a connect slower than `prompt`
  // means the server was not yet serving promptly.
  ConnectWitness(std::string url, std::chrono::milliseconds prompt);
  ~ConnectWitness();
  ConnectWitness(const ConnectWitness&) = delete;
  ConnectWitness& operator=(const ConnectWitness&) = delete;

  // When the server last failed a fresh connection or answered it slower
  // than `prompt`: the end of that attempt, or now while an attempt is
  // still waiting past `prompt`. The witness's start if every attempt was
  // prompt.
  Clock::time_point notPromptUntil() const;
  // The slowest connect so far, in ms (a successful one, or the one still
  // waiting), and how many attempts ended.
  double slowestConnectMs() const;
  int attempts() const;

 private:
  void run();

  std::string url_;
  std::chrono::milliseconds prompt_;
  Clock::time_point started_;
  mutable std::mutex mutex_;
  Clock::time_point notPromptUntil_;
  Clock::time_point attemptStarted_;
  bool attemptInFlight_ = false;
  double slowestMs_ = 0;
  int attempts_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace wno::test::system
