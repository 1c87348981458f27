#include "alerts/metric_readings.h"

#include <cmath>
#include <limits>
#include <regex>

namespace wno::host::alerts {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string label(const prometheus::ClientMetric& m, const std::string& name) {
  for (const auto& l : m.label) {
    if (l.name == name) return l.value;
  }
  return "";
}

// Probes and metrics answer on the event loop in microseconds: counting them
// would hide a slow API behind fast health checks (as route group "system"
// does in deploy/prometheus).
bool systemRoute(const std::string& route) {
  static const std::regex system("^[A-Z]+ /(health|livez|readyz|metrics|openapi)");
  return std::regex_search(route, system);
}

double quantile(double q, const std::map<double, double>& buckets) {
  if (buckets.empty()) return kNaN;
  const double total = buckets.rbegin()->second;
  if (total <= 0) return kNaN;
  const double rank = q * total;
  double lowerBound = 0, lowerCount = 0;
  for (const auto& [upper, count] : buckets) {
    if (count >= rank) {
      if (std::isinf(upper)) return lowerBound;  // as histogram_quantile: the highest finite bound
      const double inBucket = count - lowerCount;
      return inBucket <= 0 ? upper : lowerBound + (upper - lowerBound) * (rank - lowerCount) / inBucket;
    }
    lowerBound = upper;
    lowerCount = count;
  }
  return lowerBound;
}

}  // namespace

MetricSample readSample(const std::vector<prometheus::MetricFamily>& families, int64_t atMs) {
  MetricSample s;
  s.atMs = atMs;
  std::map<std::string, double> probeStatus, probeRequired;
  for (const auto& family : families) {
    const std::string& name = family.name;
    for (const auto& m : family.metric) {
      if (name == "wno_http_requests_total") {
        s.requests += m.counter.value;
        if (label(m, "status").rfind('5', 0) == 0) s.requests5xx += m.counter.value;
      } else if (name == "wno_http_request_duration_seconds") {
        if (systemRoute(label(m, "route"))) continue;
        for (const auto& b : m.histogram.bucket) s.latencyBuckets[b.upper_bound] += static_cast<double>(b.cumulative_count);
      } else if (name == "wno_http_shed_total") {
        s.shed += m.counter.value;
      } else if (name == "wno_repository_slow_queries_total") {
        s.slowQueries += m.counter.value;
      } else if (name == "wno_load_factor") {
        s.loadFactor = m.gauge.value;
      } else if (name == "wno_circuit_breaker_state") {
        if (m.gauge.value == 1) s.openBreakers.push_back(label(m, "breaker"));
      } else if (name == "wno_probe_status") {
        probeStatus[label(m, "probe")] = m.gauge.value;
      } else if (name == "wno_probe_required") {
        probeRequired[label(m, "probe")] = m.gauge.value;
      }
    }
  }
  for (const auto& [probe, status] : probeStatus) {
    if (status == 2 && probeRequired[probe] == 1) s.requiredProbesDown.push_back(probe);
  }
  return s;
}

void MetricReadings::add(MetricSample sample) {
  samples_.push_back(std::move(sample));
  // Keep one sample older than the longest window, so it stays the baseline.
  while (samples_.size() > 2 && samples_.back().atMs - samples_[1].atMs >= keepMs_) samples_.pop_front();
}

const MetricSample& MetricReadings::baseline(int64_t windowMs) const {
  const int64_t cutoff = samples_.back().atMs - windowMs;
  const MetricSample* chosen = &samples_.front();
  for (const auto& s : samples_) {
    if (s.atMs > cutoff) break;
    chosen = &s;
  }
  return *chosen;
}

double MetricReadings::value(const AlertRuleConfig& rule) const {
  if (samples_.empty()) return kNaN;
  const MetricSample& now = samples_.back();
  const MetricSample& then = baseline(rule.windowMs);
  const double minutes = static_cast<double>(now.atMs - then.atMs) / 60000.0;
  switch (rule.kind) {
    case AlertKind::Http5xxRatio: {
      const double requests = now.requests - then.requests;
      if (requests < static_cast<double>(std::max<int64_t>(1, rule.minRequests))) return kNaN;
      return (now.requests5xx - then.requests5xx) / requests;
    }
    case AlertKind::HttpP99Ms: {
      std::map<double, double> delta;
      for (const auto& [upper, count] : now.latencyBuckets) {
        auto before = then.latencyBuckets.find(upper);
        delta[upper] = count - (before == then.latencyBuckets.end() ? 0 : before->second);
      }
      if (delta.empty() || delta.rbegin()->second < static_cast<double>(std::max<int64_t>(1, rule.minRequests))) {
        return kNaN;
      }
      return quantile(0.99, delta) * 1000.0;
    }
    case AlertKind::BreakerOpen: return static_cast<double>(now.openBreakers.size());
    case AlertKind::RequiredProbeDown: return static_cast<double>(now.requiredProbesDown.size());
    case AlertKind::LoadFactor: return now.loadFactor;
    case AlertKind::ShedPerMinute: return minutes > 0 ? (now.shed - then.shed) / minutes : kNaN;
    case AlertKind::SlowQueriesPerMinute: return minutes > 0 ? (now.slowQueries - then.slowQueries) / minutes : kNaN;
  }
  return kNaN;
}

std::vector<std::string> MetricReadings::subjects(const AlertRuleConfig& rule) const {
  if (samples_.empty()) return {};
  if (rule.kind == AlertKind::BreakerOpen) return samples_.back().openBreakers;
  if (rule.kind == AlertKind::RequiredProbeDown) return samples_.back().requiredProbesDown;
  return {};
}

}  // namespace wno::host::alerts
