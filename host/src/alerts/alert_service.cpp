#include "alerts/alert_service.h"

#include "config/options_reader.h"
#include "core/logger.h"
#include "common/utc_time.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace wno::host::alerts {

std::optional<AlertsConfig> alertsConfigFrom(const nlohmann::json& section, std::vector<std::string>& errors) {
  const size_t before = errors.size();
  AlertsConfig c;
  try {
    const config::FilledSection filled(section, "/alerts");
    const config::OptionsNode a = filled.node();
    c.intervalMs = a.get<int64_t>("interval_ms");
    c.rules = alertRulesFrom(a.child("rules").json(), errors);
    c.webhooks = webhooksFrom(a.child("webhooks").json(), errors);
    const auto dedup = a.child("dedup");
    c.dedupRedisUrl = dedup.get<std::string>("redis_url");
    c.dedupTtlMs = dedup.get<int64_t>("ttl_ms");
  } catch (const config::OptionError& e) {
    errors.push_back(e.what());
    return std::nullopt;
  }
  if (!c.dedupRedisUrl.empty()) {
    if (auto address = parseRedisAddress(c.dedupRedisUrl); !address.isOk()) {
      errors.push_back("/alerts/dedup/redis_url: " + address.status().message());
    }
  }
  if (errors.size() != before) return std::nullopt;
  return c;
}

AlertService::AlertService(AlertsConfig config, Metrics& metrics, std::string hostId)
    : config_(std::move(config)), metrics_(metrics), hostId_(std::move(hostId)), readings_([&] {
        int64_t longest = 0;
        for (const auto& r : config_.rules) longest = std::max(longest, r.windowMs);
        return longest;
      }()) {
  auto& family = prometheus::BuildGauge()
                     .Name("wno_alert_firing")
                     .Help("1 while a built-in alert (config /alerts/rules) fires on this host")
                     .Register(metrics_.registry());
  for (const auto& r : config_.rules) {
    rules_.emplace_back(r);
    firingGauges_.push_back(&family.Add({{"alert", r.name}, {"severity", r.severity}}));
  }
  notifier_ = std::make_unique<AlertNotifier>(config_.webhooks);
  if (!config_.dedupRedisUrl.empty()) {
    dedup_ = std::make_unique<AlertDedup>(config_.dedupRedisUrl, hostId_, std::chrono::milliseconds(config_.dedupTtlMs));
  }
}

AlertService::~AlertService() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void AlertService::start() {
  if (rules_.empty()) return;
  thread_ = std::thread([this] { run(); });
}

void AlertService::run() {
  const auto origin = std::chrono::steady_clock::now();
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    evaluate(std::chrono::duration_cast<std::chrono::milliseconds>(now - origin).count());
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, std::chrono::milliseconds(config_.intervalMs), [this] { return stop_; })) return;
  }
}

void AlertService::evaluate(int64_t nowMs) {
  metrics_.runCollectHooks();
  readings_.add(readSample(metrics_.registry().Collect(), nowMs));
  for (size_t i = 0; i < rules_.size(); ++i) {
    AlertRule& rule = rules_[i];
    const AlertTransition t = rule.observe(readings_.value(rule.config()), nowMs);
    firingGauges_[i]->Set(rule.firing() ? 1 : 0);
    if (t != AlertTransition::None) {
      announce(rule, t);
    } else if (rule.firing() && dedup_) {
      dedup_->claim(rule.config().name, AlertDedup::Op::Refresh);  // still firing here: keep counting this host
    }
  }
}

void AlertService::announce(AlertRule& rule, AlertTransition transition) {
  const auto& c = rule.config();
  const bool firing = transition == AlertTransition::Fired;
  const double value = rule.lastValue();
  nlohmann::json event = {{"alert", c.name},
                          {"kind", alertKindName(c.kind)},
                          {"state", firing ? "firing" : "resolved"},
                          {"severity", c.severity},
                          {"value", std::isnan(value) ? nlohmann::json(nullptr) : nlohmann::json(value)},
                          {"threshold", firing ? c.above : c.resolveBelow},
                          {"host", hostId_},
                          {"at", common::utcNow(3)}};
  if (auto subjects = readings_.subjects(c); !subjects.empty()) event["subjects"] = subjects;
  if (firing) logWarn("alerts", "alert firing", event);
  else logInfo("alerts", "alert resolved", event);
  if (dedup_) {
    const auto mine = dedup_->claim(c.name, firing ? AlertDedup::Op::Fire : AlertDedup::Op::Resolve);
    if (mine && !*mine) {
      logDebug("alerts", "alert sent by another host", {{"alert", c.name}, {"state", event["state"]}});
      return;
    }
  }
  notifier_->send(std::move(event));
}

}  // namespace wno::host::alerts
