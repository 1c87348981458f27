// Process-level series at /metrics: wno_build_info (version and ABI as
// labels, value 1), the start time, and resident memory, threads and open
// file descriptors, refreshed from processResources() on each scrape.
// THREADS: refresh() may run on any HTTP thread; gauges are thread-safe.
#pragma once

namespace prometheus {
class Gauge;
}

namespace wno::host {

class Metrics;

class ProcessMetrics {
 public:
  explicit ProcessMetrics(Metrics& metrics);
  void refresh();

 private:
  prometheus::Gauge* rss_ = nullptr;
  prometheus::Gauge* threads_ = nullptr;
  prometheus::Gauge* openFds_ = nullptr;
  prometheus::Gauge* cpuSeconds_ = nullptr;
};

}  // namespace wno::host
