// The host's one metrics registry (prometheus-cpp), exported at /metrics.
// Host code registers families directly; plugins go through the ABI, which
// maps (type, name, labels) to a stable wno_metric handle.
#pragma once

#include <wno/host.h>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

struct wno_metric {
  wno_metric_type type = 0;
  prometheus::Counter* counter = nullptr;
  prometheus::Gauge* gauge = nullptr;
  prometheus::Histogram* histogram = nullptr;
};

namespace wno::host {

class Metrics {
 public:
  Metrics();

  prometheus::Registry& registry() { return *registry_; }
  std::shared_ptr<prometheus::Registry> shared() { return registry_; }

  // Latency buckets in seconds, 0.1 ms .. 10 s, used for every duration.
  static const prometheus::Histogram::BucketBoundaries& latencyBuckets();

  // The series for a plugin; nullptr with `error` set when the name is not a
  // valid metric name or is already registered with another type.
  wno_metric* series(wno_metric_type type, const std::string& name, const std::string& help,
                     const std::map<std::string, std::string>& labels, std::string& error);

  // Prometheus text exposition format 0.0.4. Runs the collect hooks first.
  std::string serialize() const;

  // Hot paths keep cheap per-thread counters and publish them here, right
  // before each scrape. A hook must be removed (by its owner) before the
  // owner goes away; hooks run on the scraping thread, one scrape at a time.
  void addCollectHook(const void* owner, std::function<void()> hook);
  void removeCollectHooks(const void* owner);
  void runCollectHooks() const;

 private:
  struct FamilyEntry {
    wno_metric_type type;
    void* family;  // prometheus::Family<T>* of the matching type
  };

  std::shared_ptr<prometheus::Registry> registry_;
  std::mutex mutex_;
  std::map<std::string, FamilyEntry> families_;
  std::map<std::pair<std::string, std::map<std::string, std::string>>, std::unique_ptr<wno_metric>> series_;
  mutable std::mutex hooksMutex_;
  std::vector<std::pair<const void*, std::function<void()>>> hooks_;
};

}  // namespace wno::host
