// Circuit breaker around a dependency (Redis, PostgreSQL, outbound HTTP).
// Closed: calls pass; it opens after `failureThreshold` consecutive failures
// or when the failure rate over the last `window` calls (with at least
// `minimumCalls`) reaches `failureRate`. Open: calls are refused at once for
// `openFor`. Half-open: up to `halfOpenCalls` trial calls pass; all
// succeeding closes it, any failure reopens it.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <mutex>
#include <string>

namespace wno::host {

struct BreakerOptions {
  int failureThreshold = 5;
  double failureRate = 0.5;
  size_t window = 20;
  size_t minimumCalls = 10;
  std::chrono::milliseconds openFor{5000};
  int halfOpenCalls = 1;
};

enum class BreakerState { Closed, Open, HalfOpen };
const char* breakerStateName(BreakerState state);

class CircuitBreaker {
 public:
  using Clock = std::chrono::steady_clock;
  using StateListener = std::function<void(BreakerState from, BreakerState to)>;

  CircuitBreaker(std::string name, BreakerOptions options, std::function<Clock::time_point()> now = Clock::now);

  // Whether a call may go ahead now. Every allowed call must be followed by
  // exactly one onSuccess() or onFailure().
  bool allow();
  void onSuccess();
  void onFailure();

  BreakerState state();
  const std::string& name() const { return name_; }
  void setListener(StateListener listener);

 private:
  void transition(BreakerState to);  // mutex held
  void record(bool failed);          // mutex held

  std::string name_;
  BreakerOptions options_;
  std::function<Clock::time_point()> now_;
  std::mutex mutex_;
  BreakerState state_ = BreakerState::Closed;
  int consecutiveFailures_ = 0;
  std::deque<bool> outcomes_;  // true = failure, newest at the back
  Clock::time_point openedAt_{};
  int halfOpenInFlight_ = 0;
  int halfOpenSucceeded_ = 0;
  StateListener listener_;
};

}  // namespace wno::host
