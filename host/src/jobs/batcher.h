// Group commit: items handed in one by one are written in batches (one
// store transaction, one WAL flush per batch), and each item's own result
// goes back to whoever handed it in. One queue and one batching rule, two
// ways to run the write:
//   - callers write (Options::flushers == 0, call()): a caller blocks until
//     its item is written, and the caller that finds the store free writes
//     everything queued, its own item included, on its own thread. Used for
//     enqueues, where the caller waits anyway: no hand-off to another
//     thread, which costs a scheduler round trip per request on a busy host.
//   - flusher threads write (flushers > 0, submit()): the caller goes on at
//     once and a callback receives the result. Used for finished attempts,
//     which a worker thread should not wait for.
// The rule: at most `maxInFlight` batches are written at once (flushers
// count for it). An idle batcher does not linger: the first item goes out
// at once, so a lone request pays no batching delay. Only while another
// batch is being written does the next writer wait, up to `linger` or until
// `maxBatch` items are queued; that is when waiting is free, since the
// store is busy anyway.
// THREADS: call/submit/drain/stop from any thread. stop() writes what is
// queued before it returns. FlushFn runs on a caller's or a flusher's thread.
#pragma once

#include <algorithm>
#include <cassert>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace wno::host::jobs {

template <typename Item, typename Result>
class Batcher {
 public:
  // Writes a batch; returns exactly one Result per item, in order (a failure
  // of the whole batch is that failure repeated). Must not throw.
  using FlushFn = std::function<std::vector<Result>(const std::vector<Item>&)>;
  using Done = std::function<void(Result)>;

  struct Options {
    size_t maxBatch = 500;
    std::chrono::microseconds linger{1000};
    int maxInFlight = 2;  // batches written at once
    int flushers = 0;     // 0: callers write (call()); > 0: that many threads write (submit())
    // submitWhenRoom() waits while this many items are queued or being
    // written (0: never): backpressure, so a store that writes slower than
    // items arrive does not gather an unbounded backlog.
    size_t maxUnwritten = 0;
  };

  Batcher(Options options, FlushFn flush) : options_(options), flush_(std::move(flush)) {
    options_.maxBatch = std::max<size_t>(1, options_.maxBatch);
    options_.maxInFlight = std::max(1, options_.maxInFlight);
    for (int i = 0; i < options_.flushers; ++i) threads_.emplace_back([this] { flusher(); });
  }
  ~Batcher() { stop(); }
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  // Callers write: returns once item is written, with its result.
  Result call(Item item) {
    assert(options_.flushers == 0);
    Waiter self;
    std::unique_lock lock(mutex_);
    pending_.push_back({std::move(item), &self, nullptr});
    if (lingering_ > 0 && pending_.size() >= options_.maxBatch) lingerCv_.notify_all();
    while (!self.result) {
      if (mayLead()) {
        lead(lock);
        continue;
      }
      self.cv.wait(lock);
    }
    return std::move(*self.result);
  }

  // Flusher threads write: done(result) runs on a flusher once item is written.
  void submit(Item item, Done done) {
    assert(options_.flushers > 0);
    bool wakeIdle = false, wakeLingering = false;
    {
      std::lock_guard lock(mutex_);
      pending_.push_back({std::move(item), nullptr, std::move(done)});
      // Wake only who has a reason to move: an idle flusher for the first
      // item, a lingering one once the batch is full. A wake-up per item
      // would cost a context switch per job on a busy host.
      wakeIdle = pending_.size() == 1 && mayLead();
      wakeLingering = lingering_ > 0 && pending_.size() >= options_.maxBatch;
    }
    if (wakeIdle) workCv_.notify_one();
    if (wakeLingering) lingerCv_.notify_all();
  }

  // submit(), after waiting while Options::maxUnwritten items are queued or
  // being written (not while stopping: then it hands the item in at once).
  void submitWhenRoom(Item item, Done done) {
    if (options_.maxUnwritten > 0) {
      std::unique_lock lock(mutex_);
      roomCv_.wait(lock, [this] { return stopping_ || pending_.size() + writing_ < options_.maxUnwritten; });
    }
    submit(std::move(item), std::move(done));
  }

  // Blocks until everything handed in so far is written.
  void drain() {
    std::unique_lock lock(mutex_);
    drainedCv_.wait(lock, [this] { return pending_.empty() && inFlight_ == 0; });
  }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      stopping_ = true;
    }
    workCv_.notify_all();
    lingerCv_.notify_all();
    roomCv_.notify_all();
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

 private:
  struct Waiter {
    std::optional<Result> result;
    std::condition_variable cv;
  };
  struct Entry {
    Item item;
    Waiter* waiter;  // call(): the blocked caller
    Done done;       // submit(): the callback
  };

  // A writer may start (or start lingering) without exceeding maxInFlight.
  bool mayLead() const { return inFlight_ + lingering_ < options_.maxInFlight; }

  void flusher() {
    std::unique_lock lock(mutex_);
    while (true) {
      workCv_.wait(lock, [this] { return stopping_ || (!pending_.empty() && mayLead()); });
      if (pending_.empty()) return;  // stopping, and nothing left to write
      lead(lock);
    }
  }

  // Writes the front of the queue: mutex_ held on entry and on exit.
  void lead(std::unique_lock<std::mutex>& lock) {
    if (inFlight_ > 0 && !stopping_ && pending_.size() < options_.maxBatch) {
      // The store is busy with another batch: gather more meanwhile.
      ++lingering_;
      lingerCv_.wait_for(lock, options_.linger, [this] {
        return stopping_ || inFlight_ == 0 || pending_.size() >= options_.maxBatch;
      });
      --lingering_;
    }
    if (pending_.empty()) return;  // another writer took them
    const size_t n = std::min(pending_.size(), options_.maxBatch);
    std::vector<Entry> batch;
    batch.reserve(n);
    for (size_t i = 0; i < n; ++i) batch.push_back(std::move(pending_[i]));
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
    ++inFlight_;
    writing_ += n;
    wakeNextWriter();  // another writer may take the rest meanwhile
    lock.unlock();

    std::vector<Item> items;
    items.reserve(n);
    for (auto& e : batch) items.push_back(std::move(e.item));
    std::vector<Result> results = flush_(items);
    for (size_t i = 0; i < n; ++i) {
      if (batch[i].done) batch[i].done(std::move(results.at(i)));
    }

    lock.lock();
    for (size_t i = 0; i < n; ++i) {
      if (!batch[i].waiter) continue;
      batch[i].waiter->result.emplace(std::move(results.at(i)));
      batch[i].waiter->cv.notify_one();  // a no-op for the writing caller itself
    }
    --inFlight_;
    writing_ -= n;
    if (options_.maxUnwritten > 0) roomCv_.notify_all();
    if (lingering_ > 0) lingerCv_.notify_all();  // the store is free: a lingering writer goes now
    else wakeNextWriter();
    if (pending_.empty() && inFlight_ == 0) drainedCv_.notify_all();
  }

  // mutex_ held.
  void wakeNextWriter() {
    if (pending_.empty() || !mayLead()) return;
    if (Waiter* next = pending_.front().waiter) next->cv.notify_one();
    else workCv_.notify_one();
  }

  Options options_;
  FlushFn flush_;
  std::mutex mutex_;
  std::condition_variable workCv_;     // idle flushers: items queued, a slot free
  std::condition_variable lingerCv_;   // lingering writers: batch full or store free
  std::condition_variable drainedCv_;  // drain(): nothing queued or being written
  std::condition_variable roomCv_;     // submitWhenRoom(): the backlog shrank
  std::deque<Entry> pending_;
  int inFlight_ = 0;
  size_t writing_ = 0;  // items in the batches being written
  int lingering_ = 0;  // writers gathering behind a batch being written
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace wno::host::jobs
