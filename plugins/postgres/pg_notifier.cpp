#include "pg_notifier.h"

#include <exception>
#include <utility>

namespace wno::pg {

Notifier::Notifier(std::function<void(const std::string&)> send, std::function<void(const std::string&)> onError)
    : send_(std::move(send)), onError_(std::move(onError)) {
  thread_ = std::thread([this] { run(); });
}

Notifier::~Notifier() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void Notifier::request(const std::string& queue) {
  bool first = false;
  {
    std::lock_guard lock(mutex_);
    first = pending_.empty();
    pending_.insert(queue);
  }
  if (first) wake_.notify_one();
}

void Notifier::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stop_ || !pending_.empty(); });
    if (pending_.empty()) return;  // stopping, nothing left to send
    // Taken before sending: a request arriving during the send (its commit
    // may be later than the one this NOTIFY covers) gets a send of its own.
    std::set<std::string> queues;
    queues.swap(pending_);
    lock.unlock();
    for (const auto& queue : queues) {
      try {
        send_(queue);
      } catch (const std::exception& e) {
        onError_(e.what());
      }
    }
    lock.lock();
  }
}

}  // namespace wno::pg
