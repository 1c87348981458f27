#include "cache/eager_refresher.h"

#include "config/options_reader.h"
#include "core/logger.h"

namespace wno::host {

std::optional<EagerRefreshOptions> eagerRefreshFrom(const nlohmann::json& cache, std::string& error) {
  EagerRefreshOptions o;
  try {
    const config::FilledSection filled(cache, "/cache");
    const auto e = filled.node().child("eager_refresh");
    if (!e.json().is_object()) return o;
    o.enabled = e.get<bool>("enabled");
    o.threshold = e.get<double>("threshold");
    o.threads = e.get<size_t>("threads");
    o.maxQueued = e.get<size_t>("max_queued");
  } catch (const config::OptionError& e) {
    error = e.what();
    return std::nullopt;
  }
  if (!(o.threshold > 0 && o.threshold < 1)) {
    error = "/cache/eager_refresh/threshold: expected a number between 0 and 1 (exclusive)";
    return std::nullopt;
  }
  if (o.threads < 1 || o.threads > 64) {
    error = "/cache/eager_refresh/threads: expected an integer from 1 to 64";
    return std::nullopt;
  }
  return o;
}

EagerRefresher::EagerRefresher(EagerRefreshOptions options) : options_(options) {
  if (!options_.enabled) return;
  for (size_t i = 0; i < options_.threads; ++i) threads_.emplace_back([this] { run(); });
}

EagerRefresher::~EagerRefresher() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    queue_.clear();
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
}

bool EagerRefresher::due(int64_t expiresAtMs, int64_t ttlMs, int64_t nowMs) const {
  if (!options_.enabled || ttlMs <= 0) return false;
  const auto refreshAt = expiresAtMs - static_cast<int64_t>(static_cast<double>(ttlMs) * (1.0 - options_.threshold));
  return nowMs >= refreshAt;
}

bool EagerRefresher::submit(const std::string& key, std::function<void()> work) {
  if (!options_.enabled) return false;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || pending_.count(key)) return false;
    if (queue_.size() >= options_.maxQueued) {
      ++dropped_;
      return false;
    }
    pending_.insert(key);
    queue_.push_back({key, std::move(work)});
    ++submitted_;
  }
  wake_.notify_one();
  return true;
}

uint64_t EagerRefresher::submitted() const {
  std::lock_guard lock(mutex_);
  return submitted_;
}

uint64_t EagerRefresher::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

void EagerRefresher::run() {
  for (;;) {
    Task task;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    try {
      task.work();
    } catch (const std::exception& e) {
      // The current value stays; the next hit past the threshold tries again.
      logWarn("cache", "eager refresh threw", {{"error", e.what()}});
    } catch (...) {
      logWarn("cache", "eager refresh threw", {});
    }
    std::lock_guard lock(mutex_);
    pending_.erase(task.key);
  }
}

}  // namespace wno::host
