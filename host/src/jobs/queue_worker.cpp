#include "jobs/queue_worker.h"

#include "core/logger.h"
#include "core/utc_time.h"

#include <algorithm>
#include <chrono>

namespace wno::host::jobs {

QueueWorker::QueueWorker(QueueConfig queue, const JobsConfig& config, JobStoreClient& store, JobRunner& runner,
                         JobMetrics& metrics, std::string workerId, std::function<double()> loadFactor)
    : queue_(std::move(queue)),
      config_(config),
      store_(store),
      runner_(runner),
      metrics_(metrics),
      workerId_(std::move(workerId)),
      loadFactor_(std::move(loadFactor)) {
  resize(std::min(queue_.concurrency, std::max(0, queue_.prefetch)));
  rateSince_ = std::chrono::steady_clock::now();
}

void QueueWorker::resize(int prefetch) {
  capacity_.store(queue_.concurrency + prefetch);
  refillBelow_.store(std::max(1, queue_.concurrency + prefetch / 2));
}

int QueueWorker::prefetchTarget() {
  // About kLocalWork of this queue's recent throughput, between its
  // concurrency and its prefetch limit: fast jobs get a deep local queue
  // (one claim per hundreds of jobs), slow ones keep only a slot's worth
  // each, so a host never sits on work other hosts could run.
  constexpr double kLocalWorkS = 0.1;
  const auto now = std::chrono::steady_clock::now();
  const double dt = std::chrono::duration<double>(now - rateSince_).count();
  // A sample every 50 ms, or sooner once it holds enough jobs to mean
  // something (two slots' worth): a fast queue starting cold reaches its
  // deep local queue within milliseconds instead of running a 50 ms first
  // stretch on a queue as short as its concurrency.
  const uint64_t done = finished_.load();
  const uint64_t sampled = done - finishedAtRate_;
  if (dt >= 0.05 || (dt >= 0.005 && sampled >= 2 * static_cast<uint64_t>(std::max(1, queue_.concurrency)))) {
    const double rate = static_cast<double>(sampled) / dt;
    jobsPerS_ = jobsPerS_ <= 0 ? rate : 0.5 * jobsPerS_ + 0.5 * rate;
    finishedAtRate_ = done;
    rateSince_ = now;
  }
  const int limit = std::max(0, queue_.prefetch);
  return std::clamp(static_cast<int>(jobsPerS_ * kLocalWorkS), std::min(queue_.concurrency, limit), limit);
}

QueueWorker::~QueueWorker() {
  stopClaiming();
  join();
}

void QueueWorker::start() {
  metrics_.setPaused(queue_.name, false);
  metrics_.setRunning(queue_.name, 0);
  for (int i = 0; i < queue_.concurrency; ++i) workers_.emplace_back([this] { work(); });
  for (int i = 0; i < std::max(1, config_.claimsInFlight); ++i) dispatchers_.emplace_back([this, i] { dispatch(i); });
  if (store_.canWait()) waiter_ = std::thread([this] { waitForStore(); });
}

void QueueWorker::stopClaiming() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  workAvailable_.notify_all();
  slotFree_.notify_all();
  storeWake_.notify_all();
  // After the joins nothing adds to ready_: the dispatchers' last claims are in.
  for (auto& d : dispatchers_) {
    if (d.joinable()) d.join();
  }
  if (waiter_.joinable()) waiter_.join();
  decltype(ready_) unstarted;
  {
    std::lock_guard lock(mutex_);
    unstarted.swap(ready_);
  }
  for (const auto& [key, job] : unstarted) {
    runner_.release(job);
    busy_.fetch_sub(1);
  }
}

void QueueWorker::join() {
  for (auto& t : workers_) {
    if (t.joinable()) t.join();
  }
  workers_.clear();
}

void QueueWorker::poke() {
  {
    std::lock_guard lock(mutex_);
    poked_ = true;
  }
  slotFree_.notify_one();
}

bool QueueWorker::updatePause() {
  if (queue_.critical) return false;
  const double load = loadFactor_();
  bool was = paused_.load();
  const bool now = was ? load >= queue_.resumeBelowLoad : load > queue_.pauseAboveLoad;
  // Every dispatcher looks before it claims; the one that moves the flag
  // reports the change.
  if (now != was && paused_.compare_exchange_strong(was, now)) {
    metrics_.setPaused(queue_.name, now);
    logInfo("jobs", now ? "queue paused: load factor above its threshold" : "queue resumed",
            {{"queue", queue_.name}, {"load_factor", load},
             {"threshold", now ? queue_.pauseAboveLoad : queue_.resumeBelowLoad}});
  }
  return now;
}

void QueueWorker::dispatch(int index) {
  const auto poll = std::chrono::milliseconds(config_.pollMs);
  auto errorDelay = std::chrono::milliseconds(50);
  while (true) {
    uint32_t want = 0;
    if (index == 0) resize(prefetchTarget());
    {
      std::unique_lock lock(mutex_);
      // A poke (work enqueued here) tops the local queue up; otherwise wait
      // until it is half empty, so claims come in batches. Bounded, so a
      // new size (the rate moved) is picked up even without a wake-up.
      const bool ready = slotFree_.wait_for(lock, std::chrono::milliseconds(100), [&] {
        const int held = busy_.load() + claiming_.load();
        return stopping_ || held < refillBelow_.load() || (poked_ && held < capacity_.load());
      });
      if (stopping_) return;
      if (!ready) continue;
      const int free = capacity_.load() - busy_.load() - claiming_.load();
      if (free <= 0) continue;
      poked_ = false;
      want = std::min<uint32_t>(static_cast<uint32_t>(free), config_.claimBatch);
      claiming_.fetch_add(static_cast<int>(want));
    }
    // Each dispatcher looks for itself: one that only followed another's
    // last look claimed while the load was already above the threshold.
    if (updatePause()) {
      std::unique_lock lock(mutex_);
      claiming_.fetch_sub(static_cast<int>(want));
      slotFree_.wait_for(lock, poll, [&] { return stopping_; });
      continue;
    }
    auto claimed = store_.claim(queue_.name, workerId_, want, unixNowMs(), config_.leaseMs);
    std::vector<std::shared_ptr<RunningJob>> held;
    if (claimed.isOk()) {
      held.reserve(claimed.value().size());
      for (auto& j : claimed.value()) held.push_back(runner_.hold(std::move(j)));
    }
    {
      // Whatever came back, the slots asked for are now held jobs or free again.
      std::lock_guard lock(mutex_);
      busy_.fetch_add(static_cast<int>(held.size()));
      claiming_.fetch_sub(static_cast<int>(want));
      for (auto& job : held) ready_.emplace(std::make_tuple(job->priority, job->runAtMs, arrivals_++), std::move(job));
    }
    if (!claimed.isOk()) {
      // A store outage must not spin: back off up to the poll interval.
      logWarn("jobs", "claim failed", {{"queue", queue_.name}, {"error", claimed.status().message()}});
      std::unique_lock lock(mutex_);
      slotFree_.wait_for(lock, errorDelay, [&] { return stopping_; });
      errorDelay = std::min(errorDelay * 2, std::max(poll, std::chrono::milliseconds(50)));
      continue;
    }
    errorDelay = std::chrono::milliseconds(50);
    if (!held.empty()) {
      // One wake-up per job (idle workers only take one each).
      const size_t wake = std::min(held.size(), static_cast<size_t>(queue_.concurrency));
      if (wake >= static_cast<size_t>(queue_.concurrency)) workAvailable_.notify_all();
      else for (size_t i = 0; i < wake; ++i) workAvailable_.notify_one();
      if (held.size() >= want) continue;
    }
    // Nothing more runnable (the claim came back short): sleep until a
    // local poke, the store's wake-up (the waiter thread pokes) or the poll.
    // Claiming again at once when a claim came back short made a queue
    // fed a trickle at a time a claim loop against the store: on a shared
    // 2-core machine three hosts' claims starved its renewals until leases
    // lapsed. The store's wait looks for due jobs before it sleeps, so jobs
    // a short claim left behind (rows another claim held) are taken at once.
    // It runs on its own thread so that a job enqueued on this host is
    // claimed at once, not after the store's notification makes its round trip.
    std::unique_lock lock(mutex_);
    if (stopping_) return;
    if (poked_) continue;
    storeIdle_ = true;
    storeWake_.notify_one();
    slotFree_.wait_for(lock, poll, [&] { return stopping_ || poked_; });
    storeIdle_ = false;
  }
}

void QueueWorker::waitForStore() {
  while (true) {
    {
      std::unique_lock lock(mutex_);
      storeWake_.wait(lock, [&] { return stopping_ || storeIdle_; });
      if (stopping_) return;
    }
    // Bounded, so stop() is noticed within a quarter second at worst.
    const bool woke = store_.wait(queue_.name, std::min<int64_t>(config_.pollMs, 250)).isOk();
    std::unique_lock lock(mutex_);
    if (woke && storeIdle_) {
      storeIdle_ = false;  // the dispatcher says so again if its claim finds nothing
      poked_ = true;
      slotFree_.notify_one();
    }
    if (!store_.canWait()) return;  // the store turned out not to wait: the poll covers it
    if (!woke) storeWake_.wait_for(lock, std::chrono::milliseconds(config_.pollMs), [&] { return stopping_; });
  }
}

void QueueWorker::work() {
  while (true) {
    std::shared_ptr<RunningJob> job;
    {
      std::unique_lock lock(mutex_);
      workAvailable_.wait(lock, [&] { return stopping_ || !ready_.empty(); });
      if (stopping_) return;  // stopClaiming() gives back what is still ready
      job = std::move(ready_.begin()->second);
      ready_.erase(ready_.begin());
    }
    running_.fetch_add(1);
    runner_.run(job);
    running_.fetch_sub(1);
    finished_.fetch_add(1);
    // A dispatcher only waits while busy_ + claiming_ >= refillBelow_, so
    // only the step below that line can release it (a returning claim
    // looks again itself); the lock orders this against its check-then-wait.
    if (busy_.fetch_sub(1) + claiming_.load() == refillBelow_.load()) {
      { std::lock_guard lock(mutex_); }
      slotFree_.notify_one();
    }
  }
}

}  // namespace wno::host::jobs
