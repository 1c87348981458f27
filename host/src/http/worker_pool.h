// A fixed set of threads running tasks that may block (repository calls, L2
// misses, plugin calls), fed by a bounded queue. The event loops never wait
// on it: a full queue is refused at once (the caller answers 503), so a
// burst cannot grow memory without bound or park the loops.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace wno::host::http {

class WorkerPool {
 public:
  using Task = std::function<void()>;

  WorkerPool(int threads, size_t maxQueued, std::string name);
  ~WorkerPool();

  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // false when the queue is full or the pool is stopping; the task is not run.
  bool trySubmit(Task task);
  // Runs what is queued, then joins the threads.
  void stop();

  size_t queued() const;
  int busy() const;
  int threads() const { return static_cast<int>(threads_.size()); }

 private:
  void run();

  const size_t maxQueued_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Task> tasks_;
  int busy_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace wno::host::http
