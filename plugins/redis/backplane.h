// Cache-change events between hosts over Redis pub/sub. Each host publishes
// "<host id>|<k|t|c>|<subject>" when it overwrites or deletes a key,
// invalidates a tag or clears a region; a subscriber thread delivers other
// hosts' events to the listener (the host evicts its L1 copies). After any
// reconnect the listener gets a full CLEAR: events may have been missed.
#pragma once

#include "redis_client.h"

#include <wno/cache.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace wno::redis {

class Backplane {
 public:
  Backplane(RedisUrl url, std::string channel, std::chrono::milliseconds timeout);
  ~Backplane();

  void publish(Pool& pool, wno_cache_event event, std::string_view subject);
  // The PUBLISH payload for an event, so a write can pipeline it with its
  // own commands (one round trip instead of two).
  std::string message(wno_cache_event event, std::string_view subject) const;
  const std::string& channel() const { return channel_; }
  // Starts (listener) or stops (nullptr) delivery; the struct is copied.
  void setListener(const wno_cache_listener* listener);
  const std::string& hostId() const { return hostId_; }
  bool subscribed() const { return subscribed_.load(); }
  uint64_t received() const { return received_.load(); }

 private:
  void run();
  void deliver(wno_cache_event event, std::string_view subject);

  RedisUrl url_;
  std::string channel_;
  std::chrono::milliseconds timeout_;
  std::string hostId_;
  std::mutex listenerMutex_;
  wno_cache_listener listener_{};
  bool hasListener_ = false;
  std::atomic<bool> running_{false};
  std::atomic<bool> subscribed_{false};
  std::atomic<uint64_t> received_{0};
  std::mutex wakeMutex_;
  std::condition_variable wake_;
  std::thread thread_;
};

}  // namespace wno::redis
