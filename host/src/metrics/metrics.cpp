#include "metrics/metrics.h"

#include <prometheus/text_serializer.h>

#include <regex>

namespace wno::host {

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {}

const prometheus::Histogram::BucketBoundaries& Metrics::latencyBuckets() {
  static const prometheus::Histogram::BucketBoundaries buckets{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                               0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
                                                               1,      2.5,     5,      10};
  return buckets;
}

wno_metric* Metrics::series(wno_metric_type type, const std::string& name, const std::string& help,
                            const std::map<std::string, std::string>& labels, std::string& error) {
  // A series already made was checked when it was made: plugins that look
  // theirs up per call (the timing function does) skip the regexes.
  std::lock_guard lock(mutex_);
  auto key = std::make_pair(name, labels);
  if (auto it = series_.find(key); it != series_.end()) {
    if (it->second->type != type) {
      error = "metric " + name + " is already registered with another type";
      return nullptr;
    }
    return it->second.get();
  }
  static const std::regex validName("^[a-zA-Z_:][a-zA-Z0-9_:]*$");
  static const std::regex validLabel("^[a-zA-Z_][a-zA-Z0-9_]*$");
  if (!std::regex_match(name, validName)) {
    error = "invalid metric name \"" + name + "\"";
    return nullptr;
  }
  for (const auto& [labelName, value] : labels) {
    if (!std::regex_match(labelName, validLabel) || labelName.rfind("__", 0) == 0) {
      error = "invalid label name \"" + labelName + "\" on metric " + name;
      return nullptr;
    }
  }
  if (type != WNO_METRIC_COUNTER && type != WNO_METRIC_GAUGE && type != WNO_METRIC_HISTOGRAM) {
    error = "unknown metric type " + std::to_string(type) + " for " + name;
    return nullptr;
  }

  auto family = families_.find(name);
  if (family == families_.end()) {
    void* created = nullptr;
    // The registry refuses a name the host itself registered with another type.
    try {
    switch (type) {
      case WNO_METRIC_COUNTER:
        created = &prometheus::BuildCounter().Name(name).Help(help).Register(*registry_);
        break;
      case WNO_METRIC_GAUGE:
        created = &prometheus::BuildGauge().Name(name).Help(help).Register(*registry_);
        break;
      default:
        created = &prometheus::BuildHistogram().Name(name).Help(help).Register(*registry_);
        break;
    }
    } catch (const std::exception& e) {
      error = "metric " + name + " cannot be registered: " + e.what();
      return nullptr;
    }
    family = families_.emplace(name, FamilyEntry{type, created}).first;
  } else if (family->second.type != type) {
    error = "metric " + name + " is already registered with another type";
    return nullptr;
  }

  auto metric = std::make_unique<wno_metric>();
  metric->type = type;
  switch (type) {
    case WNO_METRIC_COUNTER:
      metric->counter = &static_cast<prometheus::Family<prometheus::Counter>*>(family->second.family)->Add(labels);
      break;
    case WNO_METRIC_GAUGE:
      metric->gauge = &static_cast<prometheus::Family<prometheus::Gauge>*>(family->second.family)->Add(labels);
      break;
    default:
      metric->histogram = &static_cast<prometheus::Family<prometheus::Histogram>*>(family->second.family)
                               ->Add(labels, latencyBuckets());
      break;
  }
  return series_.emplace(std::move(key), std::move(metric)).first->second.get();
}

std::string Metrics::serialize() const {
  runCollectHooks();
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

void Metrics::addCollectHook(const void* owner, std::function<void()> hook) {
  std::lock_guard lock(hooksMutex_);
  hooks_.emplace_back(owner, std::move(hook));
}

void Metrics::removeCollectHooks(const void* owner) {
  std::lock_guard lock(hooksMutex_);
  std::erase_if(hooks_, [owner](const auto& h) { return h.first == owner; });
}

void Metrics::runCollectHooks() const {
  // Held while the hooks run: an owner removing its hook waits for a scrape
  // in progress rather than being called after it is gone.
  std::lock_guard lock(hooksMutex_);
  for (const auto& [owner, hook] : hooks_) hook();
}

}  // namespace wno::host
