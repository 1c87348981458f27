#include "http/worker_pool.h"

#include "core/logger.h"

#include <pthread.h>

namespace wno::host::http {

WorkerPool::WorkerPool(int threads, size_t maxQueued, std::string name) : maxQueued_(maxQueued) {
  threads_.reserve(static_cast<size_t>(threads));
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this] { run(); });
    ::pthread_setname_np(threads_.back().native_handle(), name.substr(0, 15).c_str());
  }
}

WorkerPool::~WorkerPool() { stop(); }

bool WorkerPool::trySubmit(Task task) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || tasks_.size() >= maxQueued_) return false;
    tasks_.push_back(std::move(task));
  }
  ready_.notify_one();
  return true;
}

void WorkerPool::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  ready_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

size_t WorkerPool::queued() const {
  std::lock_guard lock(mutex_);
  return tasks_.size();
}

int WorkerPool::busy() const {
  std::lock_guard lock(mutex_);
  return busy_;
}

void WorkerPool::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    ready_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
    if (tasks_.empty()) return;  // stopping, and everything queued has run
    Task task = std::move(tasks_.front());
    tasks_.pop_front();
    ++busy_;
    lock.unlock();
    try {
      task();
    } catch (const std::exception& e) {
      // Tasks answer their own errors; one that escapes is a bug, not a reason to lose the thread.
      logError("http", "worker task failed", {{"error", e.what()}});
    } catch (...) {
      logError("http", "worker task failed", {{"error", "unknown exception"}});
    }
    lock.lock();
    --busy_;
  }
}

}  // namespace wno::host::http
