#include "alerts/alert_rule.h"

#include <cmath>

namespace wno::host::alerts {
namespace {

struct KindName {
  AlertKind kind;
  const char* name;
};
constexpr KindName kKinds[] = {
    {AlertKind::Http5xxRatio, "http_5xx_ratio"},       {AlertKind::HttpP99Ms, "http_p99_ms"},
    {AlertKind::BreakerOpen, "breaker_open"},          {AlertKind::RequiredProbeDown, "required_probe_down"},
    {AlertKind::LoadFactor, "load_factor"},            {AlertKind::ShedPerMinute, "shed_per_minute"},
    {AlertKind::SlowQueriesPerMinute, "slow_queries_per_minute"}};

}  // namespace

std::optional<AlertKind> alertKindFrom(const std::string& name) {
  for (const auto& k : kKinds) {
    if (name == k.name) return k.kind;
  }
  return std::nullopt;
}

const char* alertKindName(AlertKind kind) {
  for (const auto& k : kKinds) {
    if (kind == k.kind) return k.name;
  }
  return "unknown";
}

std::vector<AlertRuleConfig> alertRulesFrom(const nlohmann::json& rules, std::vector<std::string>& errors) {
  std::vector<AlertRuleConfig> out;
  if (!rules.is_array()) return out;
  for (size_t i = 0; i < rules.size(); ++i) {
    const auto& r = rules[i];
    const std::string at = "/alerts/rules/" + std::to_string(i);
    AlertRuleConfig c;
    c.name = r.value("name", "");
    const auto kind = alertKindFrom(r.value("kind", ""));
    if (!kind) {
      errors.push_back(at + "/kind: unknown alert kind \"" + r.value("kind", "") + "\"");
      continue;
    }
    c.kind = *kind;
    c.above = r.value("above", 0.0);
    c.resolveBelow = r.contains("resolve_below") ? r["resolve_below"].get<double>() : c.above;
    if (c.resolveBelow > c.above) {
      errors.push_back(at + "/resolve_below: must not be above \"above\" (" + std::to_string(c.above) +
                       "), or the alert would flap");
    }
    c.forMs = r.value("for_ms", int64_t{0});
    c.windowMs = r.value("window_ms", int64_t{60000});
    c.minRequests = r.value("min_requests", int64_t{20});
    c.severity = r.value("severity", "page");
    for (const auto& seen : out) {
      if (seen.name == c.name) errors.push_back(at + "/name: \"" + c.name + "\" is used by another rule");
    }
    out.push_back(std::move(c));
  }
  return out;
}

AlertTransition AlertRule::observe(double value, int64_t nowMs) {
  lastValue_ = value;
  const bool above = !std::isnan(value) && value > config_.above;
  const bool below = std::isnan(value) || value <= config_.resolveBelow;
  switch (state_) {
    case State::Inactive:
      if (!above) return AlertTransition::None;
      state_ = State::Pending;
      since_ = nowMs;
      [[fallthrough]];
    case State::Pending:
      if (!above) {
        state_ = State::Inactive;
        return AlertTransition::None;
      }
      if (nowMs - since_ < config_.forMs) return AlertTransition::None;
      state_ = State::Firing;
      return AlertTransition::Fired;
    case State::Firing:
      if (!below) return AlertTransition::None;
      state_ = State::Resolving;
      since_ = nowMs;
      [[fallthrough]];
    case State::Resolving:
      if (!below) {
        state_ = State::Firing;
        return AlertTransition::None;
      }
      if (nowMs - since_ < config_.forMs) return AlertTransition::None;
      state_ = State::Inactive;
      return AlertTransition::Resolved;
  }
  return AlertTransition::None;
}

}  // namespace wno::host::alerts
