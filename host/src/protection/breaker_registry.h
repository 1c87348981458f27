// Every circuit breaker of the host in one place. Components create their
// breakers here under a unique name and a kind ("cache", "repository",
// "rate_limit", "probe"); the registry mirrors each at /metrics
// (wno_circuit_breaker_state, wno_circuit_breaker_transitions_total), logs
// every transition, and lists them for /health.
// THREADS: every method is safe to call concurrently.
// OWNERSHIP: the component owns its breaker (shared_ptr); the registry only
// watches it and stops listing it once the component dropped it.
#pragma once

#include "protection/circuit_breaker.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace prometheus {
class Gauge;
class Counter;
template <typename T>
class Family;
}  // namespace prometheus

namespace wno::host {

class Metrics;

class BreakerRegistry {
 public:
  explicit BreakerRegistry(Metrics& metrics);

  // A new breaker named `name` (made unique with a "#2" suffix if a live
  // one already has it), state gauge at 0.
  std::shared_ptr<CircuitBreaker> create(const std::string& name, const std::string& kind, BreakerOptions options);

  // [{"name","kind","state","consecutive_failures","window_calls",
  //   "window_failures","retry_in_ms","rejected","transitions"}], in creation order.
  nlohmann::json toJson() const;
  // True when any live breaker is not closed.
  bool anyNotClosed() const;
  // Brings the state gauges up to date: an open breaker turns half-open by
  // time alone, without a transition until the next call. Called on scrape.
  void refreshGauges() const;

 private:
  struct Entry {
    std::string name;
    std::string kind;
    std::weak_ptr<CircuitBreaker> breaker;
    prometheus::Gauge* state = nullptr;
    std::shared_ptr<std::atomic<uint64_t>> transitions;
  };
  std::vector<Entry> live() const;  // mutex not held; prunes nothing

  prometheus::Family<prometheus::Gauge>* stateFamily_ = nullptr;
  prometheus::Family<prometheus::Counter>* transitionFamily_ = nullptr;
  mutable std::mutex mutex_;
  std::vector<Entry> entries_;
};

}  // namespace wno::host
