#include "circuit_breaker.h"

#include <utility>

namespace wno::notify {

CircuitBreaker::CircuitBreaker(Options options, Clock clock, Listener listener)
    : options_(options), clock_(std::move(clock)), listener_(std::move(listener)) {}

const char* stateName(CircuitBreaker::State state) {
  switch (state) {
    case CircuitBreaker::State::Closed: return "closed";
    case CircuitBreaker::State::Open: return "open";
    case CircuitBreaker::State::HalfOpen: return "half-open";
  }
  return "unknown";
}

void CircuitBreaker::moveTo(State to) {
  if (state_ == to) return;
  const State from = state_;
  state_ = to;
  if (to == State::Open) openedAtMs_ = clock_();
  if (listener_) listener_(from, to);
}

bool CircuitBreaker::tryAcquire() {
  std::lock_guard lock(mutex_);
  if (state_ == State::Open) {
    if (clock_() - openedAtMs_ < options_.openMs) return false;
    moveTo(State::HalfOpen);
  }
  if (state_ == State::HalfOpen) {
    // One trial at a time: a flood of calls must not hit a dependency that
    // is only maybe back.
    if (trialInFlight_) return false;
    trialInFlight_ = true;
  }
  return true;
}

void CircuitBreaker::succeeded() {
  std::lock_guard lock(mutex_);
  failures_ = 0;
  trialInFlight_ = false;
  moveTo(State::Closed);
}

void CircuitBreaker::failed() {
  std::lock_guard lock(mutex_);
  ++failures_;
  if (state_ == State::HalfOpen) {
    trialInFlight_ = false;
    moveTo(State::Open);
  } else if (state_ == State::Closed && failures_ >= options_.failureThreshold) {
    moveTo(State::Open);
  }
}

void CircuitBreaker::abandoned() {
  std::lock_guard lock(mutex_);
  if (state_ == State::HalfOpen) trialInFlight_ = false;
}

CircuitBreaker::State CircuitBreaker::state() {
  std::lock_guard lock(mutex_);
  return state_;
}

int CircuitBreaker::consecutiveFailures() {
  std::lock_guard lock(mutex_);
  return failures_;
}

int64_t CircuitBreaker::msUntilTrial() {
  std::lock_guard lock(mutex_);
  if (state_ != State::Open) return 0;
  const int64_t left = options_.openMs - (clock_() - openedAtMs_);
  return left > 0 ? left : 0;
}

}  // namespace wno::notify
