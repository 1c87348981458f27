// Group commit: callers hand in one item each; flusher threads write what
// is pending as ONE batch (one store transaction, one WAL flush) and hand
// each caller its own result. An idle combiner does not linger: the first
// item goes out at once, so a lone request pays no batching delay. Only
// while another batch is in flight does a flusher wait (up to `linger`, or
// until `maxBatch` items are pending) for more to gather; that is when
// waiting is free, since the store is busy anyway.
// THREADS: submit from any thread; callbacks run on a flusher thread.
// stop() drains what is pending first.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace wno::host::jobs {

template <typename Item, typename Result>
class WriteCombiner {
 public:
  // Writes a batch; returns exactly one Result per item, in order (a
  // failure of the whole batch is that failure repeated). Must not throw.
  using FlushFn = std::function<std::vector<Result>(const std::vector<Item>&)>;
  using Done = std::function<void(Result)>;

  struct Options {
    size_t maxBatch = 500;
    std::chrono::microseconds linger{1000};
    int flushers = 2;  // batches in flight at once
  };

  WriteCombiner(Options options, FlushFn flush) : options_(options), flush_(std::move(flush)) {
    if (options_.maxBatch == 0) options_.maxBatch = 1;
    for (int i = 0; i < std::max(1, options_.flushers); ++i) threads_.emplace_back([this] { run(); });
  }
  ~WriteCombiner() { stop(); }
  WriteCombiner(const WriteCombiner&) = delete;
  WriteCombiner& operator=(const WriteCombiner&) = delete;

  // Queues item; done(result) runs once it is written (or failed).
  void submit(Item item, Done done) {
    bool wakeIdle = false, wakeLingering = false;
    {
      std::lock_guard lock(mutex_);
      pending_.push_back({std::move(item), std::move(done)});
      // Wake only who has a reason to move: an idle flusher for the first
      // item, a lingering one once the batch is full. A wake-up per item
      // would cost a context switch per job on a busy host.
      wakeIdle = idle_ > 0 && pending_.size() == 1;
      wakeLingering = lingering_ > 0 && pending_.size() >= options_.maxBatch;
    }
    if (wakeIdle) work_.notify_one();
    if (wakeLingering) linger_.notify_all();
  }

  // Blocks until everything submitted so far is written.
  void drain() {
    std::unique_lock lock(mutex_);
    drained_.wait(lock, [this] { return pending_.empty() && inFlight_ == 0; });
  }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      stopping_ = true;
    }
    work_.notify_all();
    linger_.notify_all();
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

 private:
  struct Entry {
    Item item;
    Done done;
  };

  void run() {
    std::unique_lock lock(mutex_);
    while (true) {
      ++idle_;
      work_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
      --idle_;
      if (pending_.empty()) return;  // stopping, and nothing left to write
      if (inFlight_ > 0 && !stopping_ && pending_.size() < options_.maxBatch) {
        // The store is busy with another batch: gather more meanwhile.
        ++lingering_;
        linger_.wait_for(lock, options_.linger,
                         [this] { return stopping_ || inFlight_ == 0 || pending_.size() >= options_.maxBatch; });
        --lingering_;
        if (pending_.empty()) continue;  // another flusher took them
      }
      const size_t n = std::min(pending_.size(), options_.maxBatch);
      std::vector<Entry> batch;
      batch.reserve(n);
      for (size_t i = 0; i < n; ++i) batch.push_back(std::move(pending_[i]));
      pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
      ++inFlight_;
      if (!pending_.empty() && idle_ > 0) work_.notify_one();  // the rest: another flusher
      lock.unlock();
      std::vector<Item> items;
      items.reserve(batch.size());
      for (auto& e : batch) items.push_back(std::move(e.item));
      std::vector<Result> results = flush_(items);
      for (size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(results.at(i)));
      lock.lock();
      --inFlight_;
      // The store is free: a lingering flusher goes now.
      if (inFlight_ == 0 && lingering_ > 0) linger_.notify_all();
      if (pending_.empty() && inFlight_ == 0) drained_.notify_all();
    }
  }

  Options options_;
  FlushFn flush_;
  std::mutex mutex_;
  std::condition_variable work_;     // idle flushers: items arrived
  std::condition_variable linger_;   // lingering flushers: batch full or store free
  std::condition_variable drained_;  // drain(): nothing pending or in flight
  std::deque<Entry> pending_;
  int inFlight_ = 0;
  int idle_ = 0;       // flushers waiting for items
  int lingering_ = 0;  // flushers gathering behind an in-flight batch
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace wno::host::jobs
