#include "pg_listener.h"

#include <pqxx/pqxx>

#include <algorithm>

namespace wno::pg {

class Receiver : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection_base& c, const std::string& channel, Listener& listener)
      : pqxx::notification_receiver(c, channel), listener_(listener) {}
  void operator()(const std::string& payload, int) override { listener_.notified(payload); }

 private:
  Listener& listener_;
};

Listener::Listener(std::string url, std::string channel) : url_(std::move(url)), channel_(std::move(channel)) {}

Listener::~Listener() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool Listener::ensureListening(std::chrono::steady_clock::time_point until) {
  std::unique_lock lock(mutex_);
  if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
  changed_.wait_until(lock, until, [&] { return listening_ || stop_; });
  return listening_;
}

uint64_t Listener::generation(const std::string& queue) {
  std::lock_guard lock(mutex_);
  return generations_[queue];
}

void Listener::waitFor(const std::string& queue, uint64_t seen, std::chrono::steady_clock::time_point until) {
  std::unique_lock lock(mutex_);
  changed_.wait_until(lock, until, [&] { return stop_ || generations_[queue] != seen; });
}

void Listener::notified(const std::string& queue) {
  {
    std::lock_guard lock(mutex_);
    generations_[queue] += 1;
  }
  changed_.notify_all();
}

void Listener::wakeAll() {
  for (auto& [queue, generation] : generations_) generation += 1;
}

void Listener::run() {
  auto backoff = std::chrono::milliseconds(100);
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stop_) return;
    }
    try {
      pqxx::connection conn(url_);
      Receiver receiver(conn, channel_, *this);  // issues LISTEN
      {
        std::lock_guard lock(mutex_);
        listening_ = true;
        wakeAll();
      }
      changed_.notify_all();
      backoff = std::chrono::milliseconds(100);
      for (;;) {
        {
          std::lock_guard lock(mutex_);
          if (stop_) break;
        }
        // A connection libpqxx has already marked closed would return at
        // once forever; treat it as broken.
        if (!conn.is_open()) throw pqxx::broken_connection("listener connection closed");
        // Short waits so a stopping store is not held up for long.
        conn.await_notification(0, 200000);
      }
    } catch (const std::exception&) {
      // Down or broken: retry below; waiters meanwhile run to their timeouts.
    }
    std::unique_lock lock(mutex_);
    listening_ = false;
    if (stop_) return;
    changed_.wait_for(lock, backoff, [&] { return stop_; });
    backoff = std::min<std::chrono::milliseconds>(backoff * 2, std::chrono::seconds(5));
  }
}

}  // namespace wno::pg
