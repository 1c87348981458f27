// A consecutive-failure circuit breaker for the notification webhook.
// Closed: calls pass; `failure_threshold` failures in a row open it. Open:
// calls are refused for `open_ms`. Then half-open: one trial call at a time
// passes; its success closes the circuit, its failure opens it again.
// Every granted call must end in exactly one succeeded(), failed() or
// abandoned() (a call that ended for another reason, e.g. cancellation,
// says nothing about the dependency).
// THREADS: all methods lock one mutex; the change listener runs under it
// and must not call back into the breaker.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>

namespace wno::notify {

class CircuitBreaker {
 public:
  enum class State { Closed = 0, Open = 1, HalfOpen = 2 };
  struct Options {
    int failureThreshold = 5;
    int64_t openMs = 30000;
  };
  using Clock = std::function<int64_t()>;  // monotonic milliseconds
  using Listener = std::function<void(State from, State to)>;

  CircuitBreaker(Options options, Clock clock, Listener listener = {});

  // True when a call may go ahead now (and then it must be finished).
  bool tryAcquire();
  void succeeded();
  void failed();
  void abandoned();

  State state();
  int consecutiveFailures();
  // While open: milliseconds until a trial call is allowed; 0 otherwise.
  int64_t msUntilTrial();

 private:
  void moveTo(State to);  // mutex held

  Options options_;
  Clock clock_;
  Listener listener_;
  std::mutex mutex_;
  State state_ = State::Closed;
  int failures_ = 0;
  int64_t openedAtMs_ = 0;
  bool trialInFlight_ = false;
};

const char* stateName(CircuitBreaker::State state);

}  // namespace wno::notify
