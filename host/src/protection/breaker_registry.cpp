#include "protection/breaker_registry.h"

#include "core/logger.h"
#include "metrics/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include <atomic>
#include <map>

namespace wno::host {

BreakerRegistry::BreakerRegistry(Metrics& metrics) {
  stateFamily_ = &prometheus::BuildGauge()
                      .Name("wno_circuit_breaker_state")
                      .Help("Circuit breaker state: 0 closed, 1 open, 2 half-open")
                      .Register(metrics.registry());
  transitionFamily_ = &prometheus::BuildCounter()
                           .Name("wno_circuit_breaker_transitions_total")
                           .Help("Circuit breaker state changes, by the state entered")
                           .Register(metrics.registry());
}

std::shared_ptr<CircuitBreaker> BreakerRegistry::create(const std::string& name, const std::string& kind,
                                                        BreakerOptions options) {
  std::lock_guard lock(mutex_);
  std::string unique = name;
  for (int n = 2;; ++n) {
    bool taken = false;
    for (const auto& e : entries_) taken = taken || (e.name == unique && !e.breaker.expired());
    if (!taken) break;
    unique = name + "#" + std::to_string(n);
  }
  auto breaker = std::make_shared<CircuitBreaker>(unique, options);
  Entry entry;
  entry.name = unique;
  entry.kind = kind;
  entry.breaker = breaker;
  // Series are created up front so a scrape shows every breaker (and every
  // transition counter at 0) before anything happened.
  entry.state = &stateFamily_->Add({{"breaker", unique}, {"kind", kind}});
  entry.state->Set(0);
  std::map<BreakerState, prometheus::Counter*> counters;
  for (BreakerState to : {BreakerState::Open, BreakerState::HalfOpen, BreakerState::Closed}) {
    counters[to] = &transitionFamily_->Add({{"breaker", unique}, {"kind", kind}, {"to", breakerStateName(to)}});
  }
  entry.transitions = std::make_shared<std::atomic<uint64_t>>(0);
  prometheus::Gauge* gauge = entry.state;
  auto transitions = entry.transitions;
  breaker->addListener([gauge, counters, transitions, unique, kind](BreakerState from, BreakerState to) {
    gauge->Set(breakerStateValue(to));
    counters.at(to)->Increment();
    transitions->fetch_add(1, std::memory_order_relaxed);
    const std::string text = "circuit " + unique + ": " + breakerStateName(from) + " -> " + breakerStateName(to);
    if (to == BreakerState::Open) {
      logWarn("breaker", text + " (calls now fail fast)", {{"breaker", unique}, {"kind", kind}});
    } else {
      logInfo("breaker", text, {{"breaker", unique}, {"kind", kind}});
    }
  });
  // Entries of dropped breakers are pruned here, when the set changes anyway.
  std::erase_if(entries_, [](const Entry& e) { return e.breaker.expired(); });
  entries_.push_back(std::move(entry));
  return breaker;
}

std::vector<BreakerRegistry::Entry> BreakerRegistry::live() const {
  std::lock_guard lock(mutex_);
  std::vector<Entry> out;
  for (const auto& e : entries_) {
    if (!e.breaker.expired()) out.push_back(e);
  }
  return out;
}

nlohmann::json BreakerRegistry::toJson() const {
  nlohmann::json out = nlohmann::json::array();
  // Snapshots are taken outside the registry lock: a breaker's own lock is
  // held while its listeners run, and those never take the registry lock,
  // but keeping the two apart rules the question out.
  for (const auto& e : live()) {
    auto breaker = e.breaker.lock();
    if (!breaker) continue;
    const BreakerSnapshot s = breaker->snapshot();
    out.push_back({{"name", e.name},
                   {"kind", e.kind},
                   {"state", breakerStateName(s.state)},
                   {"consecutive_failures", s.consecutiveFailures},
                   {"window_calls", s.windowCalls},
                   {"window_failures", s.windowFailures},
                   {"retry_in_ms", s.retryInMs},
                   {"rejected", s.rejected},
                   {"stale_outcomes", s.staleOutcomes},
                   {"transitions", e.transitions->load(std::memory_order_relaxed)}});
  }
  return out;
}

bool BreakerRegistry::anyNotClosed() const {
  for (const auto& e : live()) {
    auto breaker = e.breaker.lock();
    if (breaker && breaker->state() != BreakerState::Closed) return true;
  }
  return false;
}

void BreakerRegistry::refreshGauges() const {
  for (const auto& e : live()) {
    if (auto breaker = e.breaker.lock()) e.state->Set(breakerStateValue(breaker->state()));
  }
}

}  // namespace wno::host
