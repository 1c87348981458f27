// Watches the queues: refreshes per-state gauges from the store, keeps
// completion and failure rates, and raises an alert (a log line, the
// wno_job_queue_alert gauge and an optional webhook POST) when a queue's
// failure rate or backlog crosses its threshold, and again when it clears.
// THREADS: recordFinished from any thread; refresh from the maintenance thread.
#pragma once

#include "jobs/job_config.h"
#include "jobs/job_metrics.h"
#include "jobs/rate_window.h"

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace wno::host::jobs {

class QueueMonitor {
 public:
  QueueMonitor(const JobsConfig& config, JobMetrics& metrics, std::string workerId);

  void recordFinished(const std::string& queue, bool failed);
  // stats: the store's on_stats JSON. Updates gauges and alerts.
  void refresh(const nlohmann::json& stats);
  // Per queue: {"completed_per_min","failed_per_min","failure_rate"} over
  // the last minute on this host, and the alerts firing.
  nlohmann::json ratesJson(const std::string& queue);

 private:
  struct QueueRates {
    RateWindow completed{3600};
    RateWindow failed{3600};
    bool failureAlert = false;
    bool backlogAlert = false;
  };
  QueueRates& rates(const std::string& queue);
  void transition(const std::string& queue, const char* alert, bool firing, double value, double threshold);

  const JobsConfig& config_;
  JobMetrics& metrics_;
  std::string workerId_;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<QueueRates>> rates_;
};

// POSTs body as JSON to url within timeoutMs; false (and logs why) on failure.
bool postWebhook(const std::string& url, const nlohmann::json& body, int64_t timeoutMs);

}  // namespace wno::host::jobs
