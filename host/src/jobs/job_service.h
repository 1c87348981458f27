// The host's job system: validates and enqueues jobs (HTTP, plugins, domain
// events), runs each configured queue's workers, keeps leases, recovers
// jobs whose host died, purges old ones, and reports per-queue state.
// Lifecycle: construct, start(), then stop(grace) before the repositories
// and cache the handlers use are torn down.
// THREADS: every public method is safe from any thread.
#pragma once

#include "jobs/batcher.h"
#include "jobs/job_config.h"
#include "jobs/job_metrics.h"
#include "jobs/job_request.h"
#include "jobs/job_runner.h"
#include "jobs/job_store_client.h"
#include "jobs/queue_monitor.h"
#include "jobs/queue_worker.h"
#include "jobs/running_jobs.h"
#include "protection/circuit_breaker.h"
#include "services/host_services.h"

#include <nlohmann/json.hpp>

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace wno::host::jobs {

class JobService : public JobApi {
 public:
  JobService(JobsConfig config, std::unique_ptr<JobStoreClient> store, HandlerMap handlers, HostServices& services);
  ~JobService() override;

  // The job store's circuit (jobs.store.breaker): set before start(). The
  // request path (enqueues, reads, cancel, retry, queue stats) then fails
  // fast with 503 and Retry-After while the store is failing, instead of
  // each request waiting out the store's connect and pool timeouts (twice
  // for an enqueue queued behind a batch). Workers are not gated: their
  // claims back off by themselves, and finished attempts must reach the
  // store whatever the circuit says.
  void setStoreBreaker(std::shared_ptr<CircuitBreaker> breaker) { storeBreaker_ = std::move(breaker); }

  void start();
  // Stops claiming, gives back unstarted jobs, lets running ones finish for
  // up to grace, then asks them to stop and gives back what is still held.
  // False when a handler would not stop: its thread still runs inside this
  // object, so the owner must leak it rather than destroy it.
  bool stop(std::chrono::milliseconds grace);

  // Enqueues a request as the HTTP API takes it. WNO_ERR_INVALID carries
  // "<parameter>: <message>" and fills *invalid when given.
  // Concurrent callers share one store transaction (group commit,
  // batcher.h); each returns once its own job is stored.
  Result<JobStoreClient::Enqueued> enqueueRequest(const nlohmann::json& request, RequestError* invalid = nullptr);

  // One item of a bulk enqueue: 201 new, 200 existing job_id, 400 invalid.
  struct BulkItem {
    int status = 0;
    std::string id;      // 201, 200
    std::string state;   // 201, 200
    std::string record;  // 201, 200: the stored JOB RECORD, as JSON text
    RequestError error;  // 400
  };
  // POST /api/v1/jobs/bulk and job_enqueue_many: validates each request,
  // stores the valid ones in ONE store transaction. WNO_ERR_INVALID (with
  // *invalid filled) when `requests` is not an array of at most bulk_max.
  Result<std::vector<BulkItem>> enqueueBulk(const nlohmann::json& requests, RequestError* invalid = nullptr);
  Result<std::optional<nlohmann::json>> get(const std::string& id);
  Result<std::vector<nlohmann::json>> list(const nlohmann::json& filter);
  Status cancel(const std::string& id);
  Status retry(const std::string& id);
  // {"queues":[{name, concurrency, critical, paused, running, counts..., rates}]}
  Result<nlohmann::json> queuesJson();
  const JobsConfig& config() const { return config_; }
  const std::string& workerId() const { return workerId_; }
  size_t running() const { return running_ ? running_->count() : 0; }
  // RunningJobs::oldestLeaseAgeMs: near lease_ms, held jobs are about to be taken back.
  int64_t oldestLeaseAgeMs() const { return running_ ? running_->oldestLeaseAgeMs() : 0; }
  // Gauges kept as counters on the hot path, copied before a scrape.
  void refreshGauges();

  // A repository write happened: enqueue what /jobs/events asks for. Never
  // fails the write; problems are logged.
  void onRowEvent(const std::string& collection, const std::string& event, const nlohmann::json& row);

  // JobApi (plugins, through the ABI).
  Result<Enqueued> enqueue(const std::string& requestJson) override;
  Result<std::vector<std::string>> enqueueMany(const std::string& requestsJson) override;
  bool shouldStop(const std::string& jobId) override;

 private:
  void afterEnqueue(const JobStoreClient::Enqueued& enqueued, int64_t nowMs);
  void maintain();
  void maintenanceStep();
  QueueWorker* worker(const std::string& queue);
  // Runs a store call of the request path through the store's circuit.
  template <typename Fn>
  auto throughBreaker(Fn&& storeCall) -> decltype(storeCall());

  JobsConfig config_;
  std::unique_ptr<JobStoreClient> store_;
  HandlerMap handlers_;
  HostServices& services_;
  std::string workerId_;
  JobMetrics metrics_;
  QueueMonitor monitor_;
  std::unique_ptr<JobRunner> runner_;
  std::unique_ptr<RunningJobs> running_;
  std::map<std::string, std::unique_ptr<QueueWorker>> workers_;
  std::unique_ptr<Batcher<nlohmann::json, Result<JobStoreClient::Enqueued>>> enqueues_;
  std::atomic<bool> stopping_{false};
  std::shared_ptr<CircuitBreaker> storeBreaker_;

  std::mutex maintenanceMutex_;
  std::condition_variable maintenanceWake_;
  bool maintenanceStop_ = false;
  std::thread maintenance_;
  int64_t lastRecoverMs_ = 0;
  int64_t lastPurgeMs_ = 0;
  int64_t lastStatsMs_ = 0;
  bool started_ = false;
};

// <hostname>:<pid>:<4 random hex>: unique per process, readable in logs.
std::string defaultWorkerId();

}  // namespace wno::host::jobs
