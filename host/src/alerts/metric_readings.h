// The values built-in alerts watch, read from the host's own metrics
// registry (the same series /metrics exports), so an alert and a Prometheus
// rule see the same numbers. Rates and ratios are over a window: every
// sample() keeps the cumulative counters with its time, and a reading
// compares now with the newest sample at least `windowMs` old (or the
// oldest kept, early on).
// THREADS: one evaluating thread calls sample() and value().
#pragma once

#include "alerts/alert_rule.h"

#include <prometheus/metric_family.h>

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

namespace wno::host::alerts {

struct MetricSample {
  int64_t atMs = 0;
  double requests = 0;
  double requests5xx = 0;
  std::map<double, double> latencyBuckets;  // upper bound (s) -> cumulative count, non-system routes
  double shed = 0;
  double slowQueries = 0;
  double loadFactor = 0;
  std::vector<std::string> openBreakers;
  std::vector<std::string> requiredProbesDown;
};

// Reads one sample out of collected metric families.
MetricSample readSample(const std::vector<prometheus::MetricFamily>& families, int64_t atMs);

class MetricReadings {
 public:
  explicit MetricReadings(int64_t keepMs) : keepMs_(keepMs) {}

  void add(MetricSample sample);
  // The rule's value now (NaN when there is nothing to judge, e.g. fewer
  // than min_requests requests in the window).
  double value(const AlertRuleConfig& rule) const;
  // Names behind a count (open breakers, probes down), for messages.
  std::vector<std::string> subjects(const AlertRuleConfig& rule) const;

 private:
  const MetricSample& baseline(int64_t windowMs) const;

  int64_t keepMs_;
  std::deque<MetricSample> samples_;
};

}  // namespace wno::host::alerts
