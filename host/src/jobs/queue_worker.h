// One queue's workers on this host: a dispatcher claims jobs in batches
// into a local queue and `concurrency` worker threads take them from it.
// The local queue holds jobs beyond the free slots (graphile-worker's
// localQueue): about 100 ms of the queue's recent throughput, at least its
// concurrency and at most `prefetch`; it is refilled in one claim once it
// is half empty, so a busy queue costs one claim per many jobs, not one each.
// Up to claims_in_flight claims run at once (one dispatcher thread each):
// a claim of hundreds of rows takes milliseconds, and with one at a time
// the workers emptied the local queue while it was on its way. The slots
// a claim asks for count as taken until it returns.
// Prefetched jobs are leased (their leases kept by RunningJobs) and run in
// claim order (priority, run_at, enqueue order); at stop they are given
// back uncounted. Above the queue's pause_above_load the dispatcher stops
// claiming until the load factor falls below resume_below_load; critical
// queues never pause.
// THREADS: start/stop from one thread; paused()/running() from any.
#pragma once

#include "jobs/job_config.h"
#include "jobs/job_metrics.h"
#include "jobs/job_runner.h"
#include "jobs/job_store_client.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <tuple>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace wno::host::jobs {

class QueueWorker {
 public:
  QueueWorker(QueueConfig queue, const JobsConfig& config, JobStoreClient& store, JobRunner& runner,
              JobMetrics& metrics, std::string workerId, std::function<double()> loadFactor);
  ~QueueWorker();

  void start();
  // Stops claiming and gives back claimed jobs that have not started; jobs
  // already running go on (the caller waits for them, then join()s).
  void stopClaiming();
  void join();
  // A job was enqueued on this host for this queue: claim now, not at the next poll.
  void poke();

  const QueueConfig& config() const { return queue_; }
  bool paused() const { return paused_.load(); }
  int busy() const { return running_.load(); }  // jobs running here now
  // Copies the running count into its gauge (before a scrape: setting a
  // shared gauge twice per job cost more than the job).
  void refreshGauges() { metrics_.setRunning(queue_.name, running_.load()); }

 private:
  void dispatch(int index);
  void work();
  void waitForStore();
  bool updatePause();
  void resize(int prefetch);
  int prefetchTarget();

  QueueConfig queue_;
  const JobsConfig& config_;
  JobStoreClient& store_;
  JobRunner& runner_;
  JobMetrics& metrics_;
  std::string workerId_;
  std::function<double()> loadFactor_;

  std::mutex mutex_;
  std::condition_variable workAvailable_;  // workers wait for ready jobs
  std::condition_variable slotFree_;       // the dispatcher waits for a free slot or a poke
  // Claimed, not started, in claim order: (priority, run_at_ms, arrival).
  std::map<std::tuple<int, int64_t, uint64_t>, std::shared_ptr<RunningJob>> ready_;
  uint64_t arrivals_ = 0;
  bool stopping_ = false;
  bool poked_ = false;
  bool storeIdle_ = false;                 // the last claim found nothing: waiter, wait on the store
  std::condition_variable storeWake_;      // the waiter waits for storeIdle_
  std::atomic<int> busy_{0};  // held jobs of this queue on this host (ready + running)
  std::atomic<int> running_{0};
  std::atomic<int> capacity_{1};     // concurrency + the local queue's current size
  std::atomic<int> refillBelow_{1};  // claim again once busy_ + claiming_ is below this
  std::atomic<int> claiming_{0};     // slots asked for by claims on their way (changed under mutex_)
  // Throughput, for the local queue's size (the first dispatcher only).
  std::atomic<uint64_t> finished_{0};
  uint64_t finishedAtRate_ = 0;
  double jobsPerS_ = 0;
  std::chrono::steady_clock::time_point rateSince_;
  std::atomic<bool> paused_{false};
  std::vector<std::thread> dispatchers_;
  std::thread waiter_;  // blocks in the store's wait while the dispatcher is idle
  std::vector<std::thread> workers_;
};

}  // namespace wno::host::jobs
