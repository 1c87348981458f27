#include "alerts/alert_rule.h"

#include "config/options_reader.h"

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

std::vector<AlertRuleConfig> alertRulesFrom(const nlohmann::json& rulesIn, std::vector<std::string>& errors) {
  std::vector<AlertRuleConfig> out;
  if (!rulesIn.is_array()) return out;
  const config::FilledSection filled(rulesIn, "/alerts/rules");
  const config::OptionsNode rules = filled.node();
  for (size_t i = 0; i < rules.size(); ++i) {
    try {
      const config::OptionsNode r = rules.item(i);
      const std::string& at = r.pointer();
      AlertRuleConfig c;
      c.name = r.get<std::string>("name");
      const std::string kindName = r.get<std::string>("kind");
      const auto kind = alertKindFrom(kindName);
      if (!kind) {
        errors.push_back(at + "/kind: unknown alert kind \"" + kindName + "\"");
        continue;
      }
      c.kind = *kind;
      c.above = r.get<double>("above");
      c.resolveBelow = r.find<double>("resolve_below").value_or(c.above);
      if (c.resolveBelow > c.above) {
        errors.push_back(at + "/resolve_below: must not be above \"above\" (" + std::to_string(c.above) +
                         "), or the alert would flap");
      }
      c.forMs = r.get<int64_t>("for_ms");
      c.windowMs = r.get<int64_t>("window_ms");
      c.minRequests = r.get<int64_t>("min_requests");
      c.severity = r.get<std::string>("severity");
      for (const auto& seen : out) {
        if (seen.name == c.name) errors.push_back(at + "/name: \"" + c.name + "\" is used by another rule");
      }
      out.push_back(std::move(c));
    } catch (const config::OptionError& e) {
      errors.push_back(e.what());
    }
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
