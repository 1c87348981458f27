// Built-in alerts for deployments without Prometheus (config /alerts): every
// interval_ms the host reads its own metrics, feeds each rule (alert_rule.h)
// and on a transition logs "alert firing" / "alert resolved" and hands the
// event to the webhooks (alert_notifier.h), once across hosts when
// /alerts/dedup/redis_url is set (alert_dedup.h). Gauge wno_alert_firing{alert}.
// THREADS: one evaluating thread of its own; start() once, the destructor
// stops it.
#pragma once

#include "alerts/alert_dedup.h"
#include "alerts/alert_notifier.h"
#include "alerts/alert_rule.h"
#include "alerts/metric_readings.h"
#include "metrics/metrics.h"

#include <nlohmann/json.hpp>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace wno::host::alerts {

struct AlertsConfig {
  int64_t intervalMs = 1000;
  std::vector<AlertRuleConfig> rules;
  std::vector<WebhookConfig> webhooks;
  std::string dedupRedisUrl;
  int64_t dedupTtlMs = 30000;
};

// Reads /alerts (schema defaults filled); nullopt with "<pointer>: message"
// errors when it is wrong.
std::optional<AlertsConfig> alertsConfigFrom(const nlohmann::json& section, std::vector<std::string>& errors);

class AlertService {
 public:
  AlertService(AlertsConfig config, Metrics& metrics, std::string hostId);
  ~AlertService();
  AlertService(const AlertService&) = delete;
  AlertService& operator=(const AlertService&) = delete;

  void start();
  // One evaluation at `nowMs` (the thread's step; tests call it directly).
  void evaluate(int64_t nowMs);
  AlertNotifier& notifier() { return *notifier_; }

 private:
  void run();
  void announce(AlertRule& rule, AlertTransition transition);

  AlertsConfig config_;
  Metrics& metrics_;
  std::string hostId_;
  MetricReadings readings_;
  std::vector<AlertRule> rules_;
  std::vector<prometheus::Gauge*> firingGauges_;
  std::unique_ptr<AlertNotifier> notifier_;
  std::unique_ptr<AlertDedup> dedup_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace wno::host::alerts
