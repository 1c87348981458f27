// Runs one claimed job on the calling worker thread and reports how the
// attempt ended: completed, retried with backoff, dead-lettered, cancelled,
// or given back at shutdown. Exactly one report per attempt, whoever makes
// it (the worker, or the lease keeper abandoning a hung handler).
// THREADS: run() is called concurrently from every queue's workers.
#pragma once

#include "jobs/job_config.h"
#include "jobs/job_metrics.h"
#include "jobs/job_store_client.h"
#include "jobs/running_jobs.h"
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

  void setRunning(RunningJobs* running) { running_ = running; }
  void run(const nlohmann::json& record);
  // The lease keeper gave up waiting for a hung handler.
  void abandon(RunningJob& job);
  // Gives a claimed job that never started back to the store (shutdown).
  void release(const nlohmann::json& record);

 private:
  void report(RunningJob& job, const Status& outcome, const std::string& resultJson);

  const JobsConfig& config_;
  JobStoreClient& store_;
  JobMetrics& metrics_;
  const HandlerMap& handlers_;
  std::string workerId_;
  std::function<void(const std::string&, bool)> onFinished_;
  RunningJobs* running_ = nullptr;
};

}  // namespace wno::host::jobs
