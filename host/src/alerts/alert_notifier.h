// Delivery of built-in alert events: each event is logged at once by the
// caller; webhooks get it from this notifier's own thread, so no request or
// evaluation thread ever waits on a remote endpoint. Per webhook: a timeout,
// retries with exponential backoff (backoff_ms, 2x, 4x, ...), and a circuit
// breaker, so a dead receiver costs one fast refusal per event instead of the
// full retry ladder. http:// and https:// (Poco NetSSL, system CAs).
// The queue is bounded: when a receiver is far behind, the oldest events are
// dropped with a warning. THREADS: send() from any thread.
#pragma once

#include "protection/circuit_breaker.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace wno::host::alerts {

struct WebhookConfig {
  std::string name;
  std::string url;
  int64_t timeoutMs = 2000;
  int retries = 3;
  int64_t backoffMs = 500;
  BreakerOptions breaker;
};

// Reads /alerts/webhooks; problems appended as "<pointer>: message".
std::vector<WebhookConfig> webhooksFrom(const nlohmann::json& webhooks, std::vector<std::string>& errors);

class AlertNotifier {
 public:
  explicit AlertNotifier(std::vector<WebhookConfig> webhooks, size_t maxQueued = 256);
  ~AlertNotifier();
  AlertNotifier(const AlertNotifier&) = delete;
  AlertNotifier& operator=(const AlertNotifier&) = delete;

  // Queues `event` (a JSON object) for every webhook; returns at once.
  void send(nlohmann::json event);

  // Deliveries so far (an event to one webhook counts once), for tests and /health.
  uint64_t delivered() const { return delivered_; }
  uint64_t failed() const { return failed_; }   // retries exhausted or breaker open
  uint64_t attempts() const { return attempts_; }
  bool idle() const;

 private:
  struct Target {
    WebhookConfig config;
    std::unique_ptr<CircuitBreaker> breaker;
  };
  void run();
  void deliver(Target& target, const std::string& body);
  bool post(const WebhookConfig& webhook, const std::string& body);
  // Sleeps `ms` unless stopping; false when stopping.
  bool pause(int64_t ms);

  std::vector<Target> targets_;
  size_t maxQueued_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::string> queue_;
  bool busy_ = false;
  bool stop_ = false;
  bool tls_ = false;
  std::atomic<uint64_t> delivered_{0}, failed_{0}, attempts_{0};
  std::thread thread_;
};

}  // namespace wno::host::alerts
