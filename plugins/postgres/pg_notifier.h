// Sends the store's wake-ups (NOTIFY <channel>, '<queue>') from a thread of
// its own, coalesced per queue: however many commits ask for a queue's
// wake-up while one is being sent, one more NOTIFY follows, and it starts
// after all of them committed, so every waiter that wakes sees their jobs.
// Why: a notifying transaction takes PostgreSQL's database-wide notify lock
// through its WAL flush, so a NOTIFY per batch serialized the enqueue path;
// and the committing thread (an HTTP request's) no longer pays the round trip.
// A lost wake-up (send failed) only delays a waiter until its poll timeout.
// THREADS: request() from any thread; the destructor sends what is pending.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>

namespace wno::pg {

class Notifier {
 public:
  // send(queue) issues one NOTIFY; exceptions are the caller's to log (onError).
  Notifier(std::function<void(const std::string&)> send, std::function<void(const std::string&)> onError);
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Call after the commit that made queue's work visible.
  void request(const std::string& queue);

 private:
  void run();

  std::function<void(const std::string&)> send_;
  std::function<void(const std::string&)> onError_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::set<std::string> pending_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace wno::pg
