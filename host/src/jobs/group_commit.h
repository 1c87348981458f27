// Group commit for callers that wait for their own write (single enqueues):
// the callers take turns as leader. A caller that finds a free slot (fewer
// than maxInFlight batches being written) writes everything queued, its own
// item included, as ONE batch on its own thread, then hands each follower
// its result. So an idle host pays nothing: the first caller writes at once
// on its own thread, with no hand-off to another thread (which costs a
// scheduler round trip per request on a busy machine). While a batch is in
// flight, the next leader gathers for up to `linger` or `maxBatch` items.
// THREADS: call() from any thread; flush runs on a caller's thread.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

namespace wno::host::jobs {

template <typename Item, typename Result>
class GroupCommit {
 public:
  // Writes a batch; returns exactly one Result per item, in order. Must not throw.
  using FlushFn = std::function<std::vector<Result>(const std::vector<Item>&)>;

  GroupCommit(size_t maxBatch, std::chrono::microseconds linger, int maxInFlight, FlushFn flush)
      : maxBatch_(std::max<size_t>(1, maxBatch)),
        linger_(linger),
        maxInFlight_(std::max(1, maxInFlight)),
        flush_(std::move(flush)) {}

  Result call(Item item) {
    Waiter self{std::move(item)};
    std::unique_lock lock(mutex_);
    queue_.push_back(&self);
    if (lingering_ && queue_.size() >= maxBatch_) lingerCv_.notify_one();
    while (!self.result) {
      if (inFlight_ < maxInFlight_ && !lingering_) {
        lead(lock);
        continue;
      }
      self.cv.wait(lock);
    }
    return std::move(*self.result);
  }

 private:
  struct Waiter {
    Item item;
    std::optional<Result> result;
    std::condition_variable cv;
  };

  // Writes the front of the queue (mutex_ held on entry and exit).
  void lead(std::unique_lock<std::mutex>& lock) {
    if (inFlight_ > 0 && queue_.size() < maxBatch_) {
      lingering_ = true;
      lingerCv_.wait_for(lock, linger_, [this] { return inFlight_ == 0 || queue_.size() >= maxBatch_; });
      lingering_ = false;
    }
    if (queue_.empty()) return;
    const size_t n = std::min(queue_.size(), maxBatch_);
    std::vector<Waiter*> batch(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    ++inFlight_;
    // Another caller may lead the rest meanwhile.
    if (!queue_.empty() && inFlight_ < maxInFlight_) queue_.front()->cv.notify_one();
    lock.unlock();
    std::vector<Item> items;
    items.reserve(n);
    for (Waiter* w : batch) items.push_back(std::move(w->item));
    std::vector<Result> results = flush_(items);
    lock.lock();
    for (size_t i = 0; i < n; ++i) {
      batch[i]->result.emplace(std::move(results.at(i)));
      batch[i]->cv.notify_one();  // a no-op for the leader itself
    }
    --inFlight_;
    if (lingering_) lingerCv_.notify_one();               // the store is free: go now
    else if (!queue_.empty()) queue_.front()->cv.notify_one();  // the next leader
  }

  const size_t maxBatch_;
  const std::chrono::microseconds linger_;
  const int maxInFlight_;
  FlushFn flush_;
  std::mutex mutex_;
  std::condition_variable lingerCv_;
  std::deque<Waiter*> queue_;
  int inFlight_ = 0;
  bool lingering_ = false;  // a leader is gathering behind an in-flight batch
};

}  // namespace wno::host::jobs
