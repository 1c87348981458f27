// What plugins reach through the host API table, as C++ interfaces. The
// capability subsystems (cache, data, jobs) implement these; a service that
// is not configured is null and the ABI answers WNO_ERR_UNAVAILABLE with a
// message saying so.
#pragma once

#include "core/status.h"
#include "protection/breaker_registry.h"
#include "metrics/metrics.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace wno::host {

struct CacheWrite {
  int64_t ttlMs = 0;  // <= 0: the region default
  std::vector<std::string> tags;
  std::string region;
};

class CacheApi {
 public:
  virtual ~CacheApi() = default;
  // Only values within their TTL; region only labels metrics.
  virtual Result<std::optional<std::string>> get(const std::string& key, const std::string& region = "") = 0;
  virtual Status set(const std::string& key, std::string value, const CacheWrite& options) = 0;
  virtual Status remove(const std::string& key) = 0;
  virtual Result<uint64_t> invalidateTag(const std::string& tag) = 0;
  virtual Status invalidateRegion(const std::string& region) = 0;
  virtual Result<std::string> getOrCompute(const std::string& key, const CacheWrite& options,
                                           const std::function<Result<std::string>()>& compute) = 0;

  // What peekLocal found.
  struct LocalHit {
    bool found = false;
    int64_t expiresAtMs = 0;  // the value's logical expiry (Unix ms)
  };
  // The fresh value of `key` in the in-process level only, copied into
  // `value` (its capacity reused): no shared level, no compute, no waiting
  // on another caller's compute, so it may run on an event loop. A miss
  // here says nothing about the other levels and is not counted as one.
  virtual LocalHit peekLocal(const std::string& key, const std::string& region, std::string& value) {
    (void)key, (void)region, (void)value;
    return {};
  }
  // The TTL a write asking for `requestedMs` gets in `region` now.
  virtual int64_t effectiveTtlMs(int64_t requestedMs, const std::string& region) const {
    (void)region;
    return requestedMs;
  }

  // For a value read from its source outside getOrCompute (which does this
  // itself): take a mark before reading, then store with it. The store is
  // skipped, or undone, when the key, one of `options.tags` or the cache was
  // invalidated since the mark; false then, and when the store failed.
  virtual uint64_t invalidationMark(const std::string& key, const CacheWrite& options) const {
    (void)key, (void)options;
    return 0;
  }
  virtual bool setUnlessInvalidatedSince(uint64_t mark, const std::string& key, std::string value,
                                         const CacheWrite& options) {
    (void)mark;
    return set(key, std::move(value), options).isOk();
  }
};

class RepositoryApi {
 public:
  virtual ~RepositoryApi() = default;
  using RowSink = std::function<Status(std::string_view row)>;
  virtual Status query(const std::string& collection, const std::string& queryJson, const RowSink& out) = 0;
  virtual Status get(const std::string& collection, int64_t id, const RowSink& out) = 0;
  virtual Status create(const std::string& collection, const std::string& rowJson, const RowSink& out) = 0;
  virtual Status update(const std::string& collection, int64_t id, int64_t expectedVersion,
                        const std::string& patchJson, const RowSink& out) = 0;
  virtual Status remove(const std::string& collection, int64_t id) = 0;
  // ABI 1.2 (host.h: repo_count, repo_create_many, repo_update_where,
  // repo_delete_where). The writes by filter answer each affected row's
  // JSON text, ordered by id.
  virtual Result<int64_t> countWhere(const std::string& collection, const std::string& queryJson) = 0;
  virtual Result<std::vector<int64_t>> createMany(const std::string& collection, const std::string& rowsJson) = 0;
  virtual Result<std::vector<std::string>> updateWhere(const std::string& collection, const std::string& queryJson,
                                                       const std::string& patchJson) = 0;
  virtual Result<std::vector<std::string>> deleteWhere(const std::string& collection, const std::string& queryJson) = 0;
};

class JobApi {
 public:
  virtual ~JobApi() = default;
  struct Enqueued {
    std::string jobJson;
    bool created = false;
  };
  virtual Result<Enqueued> enqueue(const std::string& requestJson) = 0;
  // job_enqueue_many: one result JSON object per request (host.h).
  virtual Result<std::vector<std::string>> enqueueMany(const std::string& requestsJson) = 0;
  virtual bool shouldStop(const std::string& jobId) = 0;
};

class HostServices {
 public:
  Metrics& metrics() { return metrics_; }
  // Every circuit breaker of the host, listed at /health and /metrics.
  BreakerRegistry& breakers() { return breakers_; }

  double loadFactor() const { return loadFactor_.load(std::memory_order_relaxed); }
  void setLoadFactor(double value) { loadFactor_.store(value, std::memory_order_relaxed); }

  CacheApi* cache() const { return cache_; }
  RepositoryApi* repositories() const { return repositories_; }
  JobApi* jobs() const { return jobs_; }
  void setCache(CacheApi* cache) { cache_ = cache; }
  void setRepositories(RepositoryApi* repositories) { repositories_ = repositories; }
  void setJobs(JobApi* jobs) { jobs_ = jobs; }
  // The declared user statistics as JSON text (wno/user_stats.h), set once
  // at start, before any plugin component is created; empty: none declared.
  const std::string& userStatsCounts() const { return userStatsCounts_; }
  void setUserStatsCounts(std::string json) { userStatsCounts_ = std::move(json); }

 private:
  Metrics metrics_;
  BreakerRegistry breakers_{metrics_};
  std::atomic<double> loadFactor_{0.0};
  CacheApi* cache_ = nullptr;
  RepositoryApi* repositories_ = nullptr;
  JobApi* jobs_ = nullptr;
  std::string userStatsCounts_;
};

}  // namespace wno::host
