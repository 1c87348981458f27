// Circuit breaker around a dependency (Redis, PostgreSQL, outbound HTTP):
// the one the host guards its repositories, job stores, probes and shared
// levels with, and the one plugins (send_notification's webhook) use.
// Closed: calls pass; it opens after `failureThreshold` consecutive failures
// or when the failure rate over the last `window` calls (with at least
// `minimumCalls`) reaches `failureRate` (above 1: never, consecutive
// failures only). Open: calls are refused at once for
// `openFor`. Half-open: up to `halfOpenCalls` trial calls pass; all
// succeeding closes it, any failure reopens it.
// An outcome counts only in the period that admitted its call: each
// transition starts a new generation, and a call that outlived one (a slow
// failure admitted before the circuit opened, landing during a half-open
// trial) says nothing about the dependency now. Counted anyway, such
// stragglers reopen a circuit whose trial is about to succeed, and under
// load, where calls are slow, keep it open long after the dependency is back.
// THREADS: every method is safe to call concurrently. Listeners run on the
// thread that caused the transition, with the breaker's lock held: they must
// not call back into the breaker.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace wno::common {

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
// 0 closed, 1 open, 2 half-open: the value of every breaker state gauge.
int breakerStateValue(BreakerState state);

// What allow() gives a call: whether it may go ahead, and the breaker's
// generation at that moment, which its outcome is reported against.
class BreakerPermit {
 public:
  BreakerPermit() = default;
  BreakerPermit(bool granted, uint64_t generation) : granted_(granted), generation_(generation) {}
  explicit operator bool() const { return granted_; }
  uint64_t generation() const { return generation_; }

 private:
  bool granted_ = false;
  uint64_t generation_ = 0;
};

struct BreakerSnapshot {
  BreakerState state = BreakerState::Closed;
  int consecutiveFailures = 0;
  size_t windowCalls = 0;
  size_t windowFailures = 0;
  int64_t retryInMs = 0;  // open: until trial calls are let through
  uint64_t rejected = 0;  // calls refused since start
  uint64_t staleOutcomes = 0;  // outcomes ignored: their calls outlived a transition
};

class CircuitBreaker {
 public:
  using Clock = std::chrono::steady_clock;
  using StateListener = std::function<void(BreakerState from, BreakerState to)>;

  CircuitBreaker(std::string name, BreakerOptions options, std::function<Clock::time_point()> now = Clock::now);

  // Whether a call may go ahead now. Every granted permit must be followed
  // by exactly one onSuccess() or onFailure() with it.
  BreakerPermit allow();
  void onSuccess(const BreakerPermit& permit);
  void onFailure(const BreakerPermit& permit);
  // The call ended for a reason that says nothing about the dependency (the
  // caller gave up, the job was cancelled): a half-open trial slot it held
  // is freed for another trial, and nothing is counted.
  void onAbandoned(const BreakerPermit& permit);

  BreakerState state();
  BreakerSnapshot snapshot();
  // While open, how long until trial calls pass; 0 otherwise.
  std::chrono::milliseconds retryIn();
  const std::string& name() const { return name_; }
  const BreakerOptions& options() const { return options_; }
  // Listeners are kept for the breaker's life, called in the order added.
  void addListener(StateListener listener);
  // Same as addListener (the name older callers use).
  void setListener(StateListener listener) { addListener(std::move(listener)); }

 private:
  void transition(BreakerState to);  // mutex held
  void record(bool failed);          // mutex held
  BreakerState visibleState() const; // mutex held
  // Whether the permit's call was admitted in the current generation;
  // counts it as stale if not. Mutex held.
  bool current(const BreakerPermit& permit);

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
  uint64_t generation_ = 0;     // bumped by every transition
  uint64_t staleOutcomes_ = 0;  // outcomes of calls admitted before the last transition
  uint64_t rejected_ = 0;
  std::vector<StateListener> listeners_;
};

}  // namespace wno::common
