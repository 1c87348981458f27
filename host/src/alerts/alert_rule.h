// One built-in alert rule (config /alerts/rules/<i>) and its state machine:
// fire when the value stays above `above` for `for_ms`, resolve when it stays
// at or below `resolve_below` (hysteresis; default `above`) for `for_ms`. A value
// that is not a number (no traffic in the window) never fires and counts as
// below. Time is passed in, never read, so tests drive it.
// THREADS: an AlertRule belongs to the evaluating thread.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace wno::host::alerts {

// What a rule measures; the readings come from the host's own metrics.
enum class AlertKind {
  Http5xxRatio,        // share of 5xx answers over the window (needs min_requests)
  HttpP99Ms,           // p99 latency of non-system routes over the window, ms
  BreakerOpen,         // circuit breakers open now
  RequiredProbeDown,   // required probes down now
  LoadFactor,          // the smoothed load factor now
  ShedPerMinute,       // requests refused by load shedding, per minute over the window
  SlowQueriesPerMinute // repository calls slower than slow_query_ms, per minute over the window
};
std::optional<AlertKind> alertKindFrom(const std::string& name);
const char* alertKindName(AlertKind kind);

struct AlertRuleConfig {
  std::string name;
  AlertKind kind = AlertKind::LoadFactor;
  double above = 0;
  double resolveBelow = 0;
  int64_t forMs = 0;
  int64_t windowMs = 60000;
  int64_t minRequests = 20;
  std::string severity = "page";
};

// Reads /alerts/rules; every problem is appended as "<pointer>: message".
std::vector<AlertRuleConfig> alertRulesFrom(const nlohmann::json& rules, std::vector<std::string>& errors);

enum class AlertTransition { None, Fired, Resolved };

class AlertRule {
 public:
  explicit AlertRule(AlertRuleConfig config) : config_(std::move(config)) {}

  // Feeds one reading taken at `nowMs` (any monotonic clock, in ms).
  AlertTransition observe(double value, int64_t nowMs);

  const AlertRuleConfig& config() const { return config_; }
  bool firing() const { return state_ == State::Firing || state_ == State::Resolving; }
  double lastValue() const { return lastValue_; }

 private:
  enum class State { Inactive, Pending, Firing, Resolving };
  AlertRuleConfig config_;
  State state_ = State::Inactive;
  int64_t since_ = 0;
  double lastValue_ = 0;
};

}  // namespace wno::host::alerts
