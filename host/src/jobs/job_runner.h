// Runs one claimed job on the calling worker thread and reports how the
// attempt ended: completed, retried with backoff, dead-lettered, cancelled,
// or given back at shutdown. Exactly one report per attempt, whoever makes
// it (the worker, or the lease keeper abandoning a hung handler).
// Reports are batched: they go to a write combiner that records them in
// one store call per batch (on_finish_many), so the worker moves on to its
// next job at once. A crash before the batch is written re-runs at most
// those jobs (their leases lapse): at-least-once, as documented.
// THREADS: run() is called concurrently from every queue's workers.
#pragma once

#include "jobs/claimed_job.h"
#include "jobs/job_config.h"
#include "jobs/job_metrics.h"
#include "jobs/job_store_client.h"
#include "jobs/running_jobs.h"
#include "jobs/batcher.h"
#include "plugins/component_instance.h"

#include <functional>
#include <map>
#include <memory>
#include <string>

namespace wno::host::jobs {

using HandlerMap = std::map<std::string, std::unique_ptr<JobHandlerInstance>>;  // by job type

class JobRunner {
 public:
  // onFinished(queue, failed): one call per reported attempt, for rates.
  JobRunner(const JobsConfig& config, JobStoreClient& store, JobMetrics& metrics, const HandlerMap& handlers,
            std::string workerId, std::function<void(const std::string&, bool)> onFinished);

  ~JobRunner();

  void setRunning(RunningJobs* running) { running_ = running; }
  // A job just claimed: held (its lease kept) until it runs or is released.
  std::shared_ptr<RunningJob> hold(ClaimedJob claimed);
  // Runs a held job; one stopped before it started is reported unrun.
  void run(const std::shared_ptr<RunningJob>& job);
  // The lease keeper gave up waiting for a hung handler.
  void abandon(const std::shared_ptr<RunningJob>& job);
  // Gives a held job that never started back to the store (shutdown); the
  // claim does not count as an attempt.
  void release(const std::shared_ptr<RunningJob>& job);
  // Blocks until every report made so far is recorded in the store.
  void drain();

 private:
  // One batch of ends through the store, retried while its failure passes.
  std::vector<Status> recordFinishes(const std::vector<JobStoreClient::Finish>& items);
  // True when an end was handed to the store for writing (a job whose lease
  // was lost has none to write).
  bool report(const std::shared_ptr<RunningJob>& job, const Status& outcome, const std::string& resultJson,
              bool forgetWhenWritten);
  // Writes the end in a batch; then marks the job's end written and, with
  // forgetWhenWritten, stops holding it (its lease was kept till then).
  void record(JobStoreClient::Finish finish, const std::string& label, const std::shared_ptr<RunningJob>& job,
              bool forgetWhenWritten);

  const JobsConfig& config_;
  JobStoreClient& store_;
  JobMetrics& metrics_;
  const HandlerMap& handlers_;
  std::string workerId_;
  std::function<void(const std::string&, bool)> onFinished_;
  RunningJobs* running_ = nullptr;
  std::unique_ptr<Batcher<JobStoreClient::Finish, Status>> finishes_;
};

}  // namespace wno::host::jobs
