// The optional webhook of send_notification: POSTs each notification as
// {"event":"notification.created","job_id":...,"notification":<row>} behind
// a circuit breaker (common/circuit_breaker.h, the host's own: consecutive
// failures open it, one half-open trial at a time). Delivery is at least
// once (a re-run posts again), so every call carries Idempotency-Key: <job id> and
// X-Wno-Notification-Id for the receiver to drop duplicates; with a secret,
// X-Wno-Timestamp and X-Wno-Signature: sha256=<hex HMAC-SHA256 of
// "<timestamp>.<body>"> let it check the sender.
// Outcomes: 2xx delivered; 408, 429, 5xx, timeouts and connection failures
// count against the breaker and are retryable; any other status is the
// receiver refusing this payload (WNO_ERR_INVALID, no retry, the breaker
// counts it as a success since the endpoint answered).
// THREADS: deliver() runs concurrently from many workers.
#pragma once

#include "http_post.h"

#include <common/circuit_breaker.h>

#include <wno/sdk/sdk.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <string>

namespace wno::notify {

class Webhook {
 public:
  // Reads webhook_url, timeout_ms, breaker, webhook_secret, webhook_headers
  // from config; throws wno::sdk::Error(INVALID) naming a bad key.
  Webhook(const wno::sdk::Host& host, const nlohmann::json& config);

  // Throws wno::sdk::Error with the status the job should end with.
  void deliver(const nlohmann::json& notification, const wno::sdk::Job& job);

  std::chrono::milliseconds timeout() const { return timeout_; }

 private:
  void record(const char* outcome);

  wno::sdk::Host host_;
  std::unique_ptr<wno::handlers::HttpPoster> poster_;
  std::chrono::milliseconds timeout_{5000};
  std::string secret_;
  wno::handlers::HttpHeaders headers_;
  std::unique_ptr<common::CircuitBreaker> breaker_;
  wno::sdk::Metric stateGauge_;
  std::map<std::string, wno::sdk::Metric> outcomes_;  // filled once, then read with at()
};

}  // namespace wno::notify
