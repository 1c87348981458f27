// The job system's series in the host registry: what was enqueued, how each
// attempt ended, how long jobs waited to start and ran, how many sit in each
// state, which queues are paused. Families are created once. Series are
// kept in a cache keyed by their label values (Family::Add builds a label
// map and hashes it on every call, which showed in the drain's profile),
// and a claimed job resolves its own once (JobSeries), so recording its
// wait, run and outcome takes no look-up at all.
#pragma once

#include "metrics/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include <atomic>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace wno::host::jobs {

class JobMetrics;

// What one claimed job records into, resolved once when it is claimed (one
// look-up per job instead of one per observation, each building a key and
// taking the cache's lock). THREADS: safe from any thread.
class JobSeries {
 public:
  JobSeries(JobMetrics& owner, std::string queue, std::string type, prometheus::Histogram& wait,
            prometheus::Histogram& run)
      : owner_(owner), queue_(std::move(queue)), type_(std::move(type)), wait_(wait), run_(run) {}
  void waited(double seconds) { wait_.Observe(seconds); }
  void ran(double seconds) { run_.Observe(seconds); }
  // outcome: as JobMetrics::finished.
  void finished(const char* outcome);

 private:
  static constexpr const char* kOutcomes[] = {"completed", "retried", "failed", "cancelled", "released", "lease_lost"};
  JobMetrics& owner_;
  const std::string queue_, type_;
  prometheus::Histogram& wait_;
  prometheus::Histogram& run_;
  std::atomic<prometheus::Counter*> finished_[std::size(kOutcomes)] = {};
};

class JobMetrics {
 public:
  explicit JobMetrics(Metrics& metrics);

  void enqueued(const std::string& queue, const std::string& type, bool created);
  // outcome: completed | retried | failed | cancelled | released | lease_lost
  void finished(const std::string& queue, const std::string& type, const char* outcome);
  void recovered(uint64_t n);
  // The lease keeper's view: the longest any held job has gone since its
  // lease was last extended, and held jobs that went longer than the lease.
  void setOldestLeaseAge(double seconds);
  void leasesLapsedWhileHeld(uint64_t n);
  void setCount(const std::string& queue, const std::string& state, double n);
  void setPaused(const std::string& queue, bool paused);
  void setRunning(const std::string& queue, double n);
  // The series of jobs of `type` on `queue`; lives as long as this.
  JobSeries& series(const std::string& queue, const std::string& type);
  void alert(const std::string& queue, const std::string& alert, bool firing);

 private:
  friend class JobSeries;
  prometheus::Counter& finishedCounter(const std::string& queue, const std::string& type, const char* outcome);

  prometheus::Family<prometheus::Counter>& enqueued_;
  prometheus::Family<prometheus::Counter>& finished_;
  prometheus::Family<prometheus::Histogram>& wait_;
  prometheus::Family<prometheus::Histogram>& run_;
  prometheus::Family<prometheus::Counter>& recovered_;
  prometheus::Gauge& oldestLeaseAge_;
  prometheus::Counter& lapsedWhileHeld_;
  prometheus::Family<prometheus::Gauge>& counts_;
  prometheus::Family<prometheus::Gauge>& paused_;
  prometheus::Family<prometheus::Gauge>& running_;
  prometheus::Family<prometheus::Gauge>& alerts_;

  // Series by "family\x1flabel\x1flabel...", created on first use.
  template <typename T, typename Make>
  T& cached(const std::string& key, Make&& make);
  std::mutex cacheMutex_;
  std::unordered_map<std::string, void*> cache_;
  // By queue, then type; under cacheMutex_.
  std::map<std::string, std::map<std::string, std::unique_ptr<JobSeries>, std::less<>>, std::less<>> series_;
};

}  // namespace wno::host::jobs
