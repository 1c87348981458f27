#include "jobs/queue_worker.h"

#include "core/logger.h"
#include "core/utc_time.h"

#include <algorithm>

namespace wno::host::jobs {

QueueWorker::QueueWorker(QueueConfig queue, const JobsConfig& config, JobStoreClient& store, JobRunner& runner,
                         JobMetrics& metrics, std::string workerId, std::function<double()> loadFactor)
    : queue_(std::move(queue)),
      config_(config),
      store_(store),
      runner_(runner),
      metrics_(metrics),
      workerId_(std::move(workerId)),
      loadFactor_(std::move(loadFactor)) {}

QueueWorker::~QueueWorker() {
  stopClaiming();
  join();
}

void QueueWorker::start() {
  metrics_.setPaused(queue_.name, false);
  metrics_.setRunning(queue_.name, 0);
  for (int i = 0; i < queue_.concurrency; ++i) workers_.emplace_back([this] { work(); });
  dispatcher_ = std::thread([this] { dispatch(); });
}

void QueueWorker::stopClaiming() {
  std::deque<nlohmann::json> unstarted;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    unstarted.swap(ready_);
  }
  workAvailable_.notify_all();
  slotFree_.notify_all();
  if (dispatcher_.joinable()) dispatcher_.join();
  // The dispatcher may have claimed more while we waited for it.
  {
    std::lock_guard lock(mutex_);
    for (auto& r : ready_) unstarted.push_back(std::move(r));
    ready_.clear();
  }
  for (const auto& record : unstarted) {
    runner_.release(record);
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
  const bool was = paused_.load();
  const bool now = was ? load >= queue_.resumeBelowLoad : load > queue_.pauseAboveLoad;
  if (now != was) {
    paused_.store(now);
    metrics_.setPaused(queue_.name, now);
    logInfo("jobs", now ? "queue paused: load factor above its threshold" : "queue resumed",
            {{"queue", queue_.name}, {"load_factor", load},
             {"threshold", now ? queue_.pauseAboveLoad : queue_.resumeBelowLoad}});
  }
  return now;
}

void QueueWorker::dispatch() {
  const auto poll = std::chrono::milliseconds(config_.pollMs);
  auto errorDelay = std::chrono::milliseconds(50);
  while (true) {
    int free = 0;
    {
      std::unique_lock lock(mutex_);
      slotFree_.wait(lock, [&] { return stopping_ || busy_.load() < queue_.concurrency; });
      if (stopping_) return;
      free = queue_.concurrency - busy_.load();
      poked_ = false;
    }
    if (updatePause()) {
      std::unique_lock lock(mutex_);
      slotFree_.wait_for(lock, poll, [&] { return stopping_; });
      continue;
    }
    const uint32_t want = std::min<uint32_t>(static_cast<uint32_t>(free), config_.claimBatch);
    auto claimed = store_.claim(queue_.name, workerId_, want, unixNowMs(), config_.leaseMs);
    if (!claimed.isOk()) {
      // A store outage must not spin: back off up to the poll interval.
      logWarn("jobs", "claim failed", {{"queue", queue_.name}, {"error", claimed.status().message()}});
      std::unique_lock lock(mutex_);
      slotFree_.wait_for(lock, errorDelay, [&] { return stopping_; });
      errorDelay = std::min(errorDelay * 2, std::max(poll, std::chrono::milliseconds(50)));
      continue;
    }
    errorDelay = std::chrono::milliseconds(50);
    auto& jobs = claimed.value();
    if (!jobs.empty()) {
      {
        std::lock_guard lock(mutex_);
        busy_.fetch_add(static_cast<int>(jobs.size()));
        for (auto& j : jobs) ready_.push_back(std::move(j));
      }
      workAvailable_.notify_all();
      continue;
    }
    // Nothing runnable: sleep until a local poke, the store's wake-up or the poll.
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      if (poked_) continue;
    }
    // Bounded, so stop() is noticed within a quarter second at worst.
    if (store_.canWait() && store_.wait(queue_.name, std::min<int64_t>(config_.pollMs, 250)).isOk()) continue;
    std::unique_lock lock(mutex_);
    slotFree_.wait_for(lock, poll, [&] { return stopping_ || poked_; });
  }
}

void QueueWorker::work() {
  while (true) {
    nlohmann::json record;
    {
      std::unique_lock lock(mutex_);
      workAvailable_.wait(lock, [&] { return stopping_ || !ready_.empty(); });
      if (stopping_) return;  // stopClaiming() gives back what is still ready
      record = std::move(ready_.front());
      ready_.pop_front();
    }
    metrics_.setRunning(queue_.name, busy_.load());
    runner_.run(record);
    busy_.fetch_sub(1);
    metrics_.setRunning(queue_.name, busy_.load());
    slotFree_.notify_one();
  }
}

}  // namespace wno::host::jobs
