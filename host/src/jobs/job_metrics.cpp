#include "jobs/job_metrics.h"

#include <cstring>

namespace wno::host::jobs {
namespace {

// Jobs wait and run from milliseconds to hours: 1 ms .. 1 h.
const prometheus::Histogram::BucketBoundaries& jobBuckets() {
  static const prometheus::Histogram::BucketBoundaries buckets = {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1,
                                                                   5,     10,    30,   60,   300, 900, 3600};
  return buckets;
}

}  // namespace

JobMetrics::JobMetrics(Metrics& metrics)
    : enqueued_(prometheus::BuildCounter()
                    .Name("wno_jobs_enqueued_total")
                    .Help("Enqueue requests by queue, type and whether they created a job (created=false: an "
                          "existing job_id)")
                    .Register(metrics.registry())),
      finished_(prometheus::BuildCounter()
                    .Name("wno_job_attempts_total")
                    .Help("Finished job attempts on this host by queue, type and outcome")
                    .Register(metrics.registry())),
      wait_(prometheus::BuildHistogram()
                .Name("wno_job_wait_seconds")
                .Help("Time from a job's run_at to its start, by queue")
                .Register(metrics.registry())),
      run_(prometheus::BuildHistogram()
               .Name("wno_job_run_seconds")
               .Help("Handler run time per attempt, by queue and type")
               .Register(metrics.registry())),
      recovered_(prometheus::BuildCounter()
                     .Name("wno_jobs_recovered_total")
                     .Help("Jobs whose lease lapsed (host died or hung) and were put back or dead-lettered")
                     .Register(metrics.registry())),
      oldestLeaseAge_(prometheus::BuildGauge()
                          .Name("wno_jobs_lease_age_max_seconds")
                          .Help("Longest time any job this host holds has gone since its lease was last extended; "
                                "at the lease length other hosts may take the job back and run it again")
                          .Register(metrics.registry())
                          .Add({})),
      lapsedWhileHeld_(prometheus::BuildCounter()
                           .Name("wno_jobs_leases_lapsed_while_held_total")
                           .Help("Jobs held by this host whose lease went unrenewed past its length (each may run "
                                 "twice)")
                           .Register(metrics.registry())
                           .Add({})),
      counts_(prometheus::BuildGauge()
                  .Name("wno_jobs")
                  .Help("Jobs in the store by queue and state (waiting excludes delayed)")
                  .Register(metrics.registry())),
      paused_(prometheus::BuildGauge()
                  .Name("wno_job_queue_paused")
                  .Help("1 while this host does not claim from the queue because the load factor is too high")
                  .Register(metrics.registry())),
      running_(prometheus::BuildGauge()
                   .Name("wno_jobs_running")
                   .Help("Jobs claimed and running on this host, by queue")
                   .Register(metrics.registry())),
      alerts_(prometheus::BuildGauge()
                  .Name("wno_job_queue_alert")
                  .Help("1 while a queue alert (failure_rate, backlog) is firing")
                  .Register(metrics.registry())) {}

template <typename T, typename Make>
T& JobMetrics::cached(const std::string& key, Make&& make) {
  std::lock_guard lock(cacheMutex_);
  auto [it, inserted] = cache_.try_emplace(key, nullptr);
  // Series live as long as their family (the registry's), so the pointer stays valid.
  if (inserted) it->second = &make();
  return *static_cast<T*>(it->second);
}

void JobMetrics::enqueued(const std::string& queue, const std::string& type, bool created) {
  // "\x1f" "1", not "\x1f1": a hex escape takes every hex digit after it.
  cached<prometheus::Counter>("e\x1f" + queue + "\x1f" + type + (created ? "\x1f" "1" : "\x1f" "0"), [&]() -> auto& {
    return enqueued_.Add({{"queue", queue}, {"type", type}, {"created", created ? "true" : "false"}});
  }).Increment();
}

void JobMetrics::finished(const std::string& queue, const std::string& type, const char* outcome) {
  finishedCounter(queue, type, outcome).Increment();
}

prometheus::Counter& JobMetrics::finishedCounter(const std::string& queue, const std::string& type, const char* outcome) {
  return cached<prometheus::Counter>("f\x1f" + queue + "\x1f" + type + "\x1f" + outcome, [&]() -> auto& {
    return finished_.Add({{"queue", queue}, {"type", type}, {"outcome", outcome}});
  });
}

JobSeries& JobMetrics::series(const std::string& queue, const std::string& type) {
  {
    // Found without building a key: this runs once per claimed job.
    std::lock_guard lock(cacheMutex_);
    if (auto q = series_.find(queue); q != series_.end()) {
      if (auto t = q->second.find(type); t != q->second.end()) return *t->second;
    }
  }
  // First job of this pair. Outside the lock: cached() takes it.
  auto& wait = cached<prometheus::Histogram>("w\x1f" + queue, [&]() -> auto& {
    return wait_.Add({{"queue", queue}}, jobBuckets());
  });
  auto& run = cached<prometheus::Histogram>("r\x1f" + queue + "\x1f" + type, [&]() -> auto& {
    return run_.Add({{"queue", queue}, {"type", type}}, jobBuckets());
  });
  std::lock_guard lock(cacheMutex_);
  auto& slot = series_[queue][type];
  if (!slot) slot = std::make_unique<JobSeries>(*this, queue, type, wait, run);
  return *slot;
}

void JobSeries::finished(const char* outcome) {
  for (size_t i = 0; i < std::size(kOutcomes); ++i) {
    if (std::strcmp(outcome, kOutcomes[i]) != 0) continue;
    prometheus::Counter* counter = finished_[i].load(std::memory_order_acquire);
    if (!counter) {
      // Two threads may both get here; cached() hands both the same series.
      counter = &owner_.finishedCounter(queue_, type_, kOutcomes[i]);
      finished_[i].store(counter, std::memory_order_release);
    }
    counter->Increment();
    return;
  }
  owner_.finished(queue_, type_, outcome);
}

void JobMetrics::recovered(uint64_t n) { recovered_.Add({}).Increment(static_cast<double>(n)); }

void JobMetrics::setOldestLeaseAge(double seconds) { oldestLeaseAge_.Set(seconds); }

void JobMetrics::leasesLapsedWhileHeld(uint64_t n) { lapsedWhileHeld_.Increment(static_cast<double>(n)); }

void JobMetrics::setCount(const std::string& queue, const std::string& state, double n) {
  counts_.Add({{"queue", queue}, {"state", state}}).Set(n);
}

void JobMetrics::setPaused(const std::string& queue, bool paused) {
  paused_.Add({{"queue", queue}}).Set(paused ? 1 : 0);
}

void JobMetrics::setRunning(const std::string& queue, double n) {
  cached<prometheus::Gauge>("g\x1f" + queue, [&]() -> auto& { return running_.Add({{"queue", queue}}); }).Set(n);
}

void JobMetrics::alert(const std::string& queue, const std::string& alert, bool firing) {
  alerts_.Add({{"queue", queue}, {"alert", alert}}).Set(firing ? 1 : 0);
}

}  // namespace wno::host::jobs
