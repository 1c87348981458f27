#include "common/circuit_breaker.h"

#include <algorithm>

namespace wno::common {

const char* breakerStateName(BreakerState state) {
  switch (state) {
    case BreakerState::Closed: return "closed";
    case BreakerState::Open: return "open";
    default: return "half_open";
  }
}

int breakerStateValue(BreakerState state) {
  switch (state) {
    case BreakerState::Closed: return 0;
    case BreakerState::Open: return 1;
    default: return 2;
  }
}

CircuitBreaker::CircuitBreaker(std::string name, BreakerOptions options, std::function<Clock::time_point()> now)
    : name_(std::move(name)), options_(options), now_(std::move(now)) {}

void CircuitBreaker::addListener(StateListener listener) {
  std::lock_guard lock(mutex_);
  listeners_.push_back(std::move(listener));
}

void CircuitBreaker::transition(BreakerState to) {
  if (state_ == to) return;
  const BreakerState from = state_;
  state_ = to;
  ++generation_;
  consecutiveFailures_ = 0;
  outcomes_.clear();
  halfOpenInFlight_ = 0;
  halfOpenSucceeded_ = 0;
  if (to == BreakerState::Open) openedAt_ = now_();
  for (const auto& listener : listeners_) listener(from, to);
}

BreakerPermit CircuitBreaker::allow() {
  std::lock_guard lock(mutex_);
  if (state_ == BreakerState::Open) {
    if (now_() - openedAt_ < options_.openFor) {
      ++rejected_;
      return {};
    }
    transition(BreakerState::HalfOpen);
  }
  if (state_ == BreakerState::HalfOpen) {
    if (halfOpenInFlight_ >= options_.halfOpenCalls) {
      ++rejected_;
      return {};
    }
    ++halfOpenInFlight_;
  }
  return {true, generation_};
}

bool CircuitBreaker::current(const BreakerPermit& permit) {
  if (permit && permit.generation() == generation_) return true;
  ++staleOutcomes_;
  return false;
}

void CircuitBreaker::record(bool failed) {
  outcomes_.push_back(failed);
  while (outcomes_.size() > options_.window) outcomes_.pop_front();
  consecutiveFailures_ = failed ? consecutiveFailures_ + 1 : 0;
}

void CircuitBreaker::onSuccess(const BreakerPermit& permit) {
  std::lock_guard lock(mutex_);
  if (!current(permit)) return;
  if (state_ == BreakerState::HalfOpen) {
    if (++halfOpenSucceeded_ >= options_.halfOpenCalls) transition(BreakerState::Closed);
    return;
  }
  record(false);
}

void CircuitBreaker::onFailure(const BreakerPermit& permit) {
  std::lock_guard lock(mutex_);
  if (!current(permit)) return;
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

void CircuitBreaker::onAbandoned(const BreakerPermit& permit) {
  std::lock_guard lock(mutex_);
  // A permit of an earlier generation holds no slot of this half-open period.
  if (permit && permit.generation() == generation_ && state_ == BreakerState::HalfOpen && halfOpenInFlight_ > 0) {
    --halfOpenInFlight_;
  }
}

BreakerState CircuitBreaker::visibleState() const {
  // Report half-open as soon as the open period is over, even before a call.
  if (state_ == BreakerState::Open && now_() - openedAt_ >= options_.openFor) return BreakerState::HalfOpen;
  return state_;
}

BreakerState CircuitBreaker::state() {
  std::lock_guard lock(mutex_);
  return visibleState();
}

std::chrono::milliseconds CircuitBreaker::retryIn() {
  std::lock_guard lock(mutex_);
  if (state_ != BreakerState::Open) return std::chrono::milliseconds(0);
  const auto left = options_.openFor - std::chrono::duration_cast<std::chrono::milliseconds>(now_() - openedAt_);
  return std::max(left, std::chrono::milliseconds(0));
}

BreakerSnapshot CircuitBreaker::snapshot() {
  std::lock_guard lock(mutex_);
  BreakerSnapshot s;
  s.state = visibleState();
  s.consecutiveFailures = consecutiveFailures_;
  s.windowCalls = outcomes_.size();
  s.windowFailures = static_cast<size_t>(std::count(outcomes_.begin(), outcomes_.end(), true));
  if (s.state == BreakerState::Open) {
    const auto left = options_.openFor - std::chrono::duration_cast<std::chrono::milliseconds>(now_() - openedAt_);
    s.retryInMs = std::max<int64_t>(0, left.count());
  }
  s.rejected = rejected_;
  s.staleOutcomes = staleOutcomes_;
  return s;
}

}  // namespace wno::common
