// The bounded in-process cache behind the `memory` backend, independent of
// the ABI. Sharded by key hash; each shard has its own lock and byte budget
// and runs W-TinyLFU: new entries enter a small LRU window; entries leaving
// the window compete with the main area's eviction candidate, and the one
// the frequency sketch says is used less often is evicted. The main area is
// a segmented LRU (probation, protected). A scan of one-hit keys therefore
// cannot flush the frequently used ones.
#pragma once

#include "frequency_sketch.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace wno::memory_cache {

struct StoreOptions {
  size_t maxBytes = 64u << 20;
  size_t shards = 16;             // power of two
  double windowShare = 0.01;      // of each shard's bytes
  double protectedShare = 0.8;    // of the main area
  std::function<int64_t()> now;   // Unix ms; injectable for tests
  // Region -> largest share (0..1] of the bytes it may hold, so one busy
  // region (say "statistics") cannot push every other region out.
  std::unordered_map<std::string, double> regionShares;
  // Optional: a cheap reading real time is certainly below (Unix ms). Most
  // entries expire far from now; for them this answers "not expired"
  // without calling `now`.
  std::function<int64_t()> nowUpperBound;
};

struct RegionUsage {
  uint64_t entries = 0, bytes = 0;
  uint64_t evictions = 0;  // entries of the region evicted for space or for its share, since start
  uint64_t maxBytes = 0;   // its share of the store; 0: no share configured
};

struct StoreStats {
  uint64_t entries = 0, bytes = 0, hits = 0, misses = 0, evictions = 0, expirations = 0, rejections = 0, sets = 0,
           deletes = 0, tagInvalidations = 0;
  std::unordered_map<std::string, RegionUsage> regions;
};

class MemoryStore {
 public:
  explicit MemoryStore(StoreOptions options);
  ~MemoryStore();

  // Calls found(value, expiresAtMs) under the shard lock; false when absent or expired.
  bool get(std::string_view key, const std::function<void(std::string_view, int64_t)>& found);
  void set(std::string_view key, std::string_view value, int64_t expiresAtMs, const std::vector<std::string_view>& tags,
           std::string_view region);
  bool remove(std::string_view key);
  uint64_t invalidateTag(std::string_view tag);
  uint64_t clear(std::string_view region);  // empty: everything
  StoreStats stats() const;
  size_t maxBytes() const { return options_.maxBytes; }

  // What one entry costs against the budget: its bytes plus bookkeeping.
  static size_t entryCost(std::string_view key, std::string_view value, const std::vector<std::string_view>& tags,
                          std::string_view region);

 private:
  enum class Segment { Window, Probation, Protected };
  struct Entry;
  struct Shard;

  // One hash per operation: it picks the shard, finds the key in the
  // shard's index and addresses the frequency sketch.
  static size_t hashOf(std::string_view key) { return std::hash<std::string_view>{}(key); }
  Shard& shardFor(size_t hash);

  StoreOptions options_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace wno::memory_cache
