#include "protection/circuit_breaker.h"

#include <algorithm>

namespace wno::host {

const char* breakerStateName(BreakerState state) {
  switch (state) {
    case BreakerState::Closed: return "closed";
    case BreakerState::Open: return "open";
    default: return "half_open";
  }
}

CircuitBreaker::CircuitBreaker(std::string name, BreakerOptions options, std::function<Clock::time_point()> now)
    : name_(std::move(name)), options_(options), now_(std::move(now)) {}

void CircuitBreaker::setListener(StateListener listener) {
  std::lock_guard lock(mutex_);
  listener_ = std::move(listener);
}

void CircuitBreaker::transition(BreakerState to) {
  if (state_ == to) return;
  const BreakerState from = state_;
  state_ = to;
  consecutiveFailures_ = 0;
  outcomes_.clear();
  halfOpenInFlight_ = 0;
  halfOpenSucceeded_ = 0;
  if (to == BreakerState::Open) openedAt_ = now_();
  if (listener_) listener_(from, to);
}

bool CircuitBreaker::allow() {
  std::lock_guard lock(mutex_);
  if (state_ == BreakerState::Open) {
    if (now_() - openedAt_ < options_.openFor) return false;
    transition(BreakerState::HalfOpen);
  }
  if (state_ == BreakerState::HalfOpen) {
    if (halfOpenInFlight_ >= options_.halfOpenCalls) return false;
    ++halfOpenInFlight_;
  }
  return true;
}

void CircuitBreaker::record(bool failed) {
  outcomes_.push_back(failed);
  while (outcomes_.size() > options_.window) outcomes_.pop_front();
  consecutiveFailures_ = failed ? consecutiveFailures_ + 1 : 0;
}

void CircuitBreaker::onSuccess() {
  std::lock_guard lock(mutex_);
  if (state_ == BreakerState::HalfOpen) {
    if (++halfOpenSucceeded_ >= options_.halfOpenCalls) transition(BreakerState::Closed);
    return;
  }
  record(false);
}

void CircuitBreaker::onFailure() {
  std::lock_guard lock(mutex_);
  if (state_ == BreakerState::HalfOpen) {
    transition(BreakerState::Open);
    return;
  }
  if (state_ == BreakerState::Open) return;
  record(true);
  const auto failures = static_cast<size_t>(std::count(outcomes_.begin(), outcomes_.end(), true));
  const bool rateTripped = outcomes_.size() >= options_.minimumCalls &&
                           static_cast<double>(failures) / static_cast<double>(outcomes_.size()) >= options_.failureRate;
  if (consecutiveFailures_ >= options_.failureThreshold || rateTripped) transition(BreakerState::Open);
}

BreakerState CircuitBreaker::state() {
  std::lock_guard lock(mutex_);
  // Report half-open as soon as the open period is over, even before a call.
  if (state_ == BreakerState::Open && now_() - openedAt_ >= options_.openFor) return BreakerState::HalfOpen;
  return state_;
}

}  // namespace wno::host
