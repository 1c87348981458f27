// Counts invalidations by what they name (a key, a tag, or "everything in
// a region"), so a value computed from its source can be checked, before
// and after it is stored, against invalidations that ran while it was
// being computed. Without it a read that fetched a row just before a write
// stores its old copy just after the write's invalidation, and that copy is
// served until its TTL ends.
//
// Names hash into a fixed set of counters: two names that share one only
// make a store skip (or undo) itself needlessly, never keep a stale value.
// A mark is the sum of the counters a write touches; counters only grow, so
// the sum changes if and only if one of them did.
//
// ORDERING: an invalidation bumps before it deletes; a store stores before
// it checks. Either the check sees the bump (and the store is undone) or
// the delete comes after the store (and removes it).
// THREADS: every method is safe from any thread; none blocks.
#pragma once

#include "core/fnv1a.h"

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wno::host {

class InvalidationEpochs {
 public:
  void keyInvalidated(std::string_view key) { slot('k', key).fetch_add(1); }
  void tagInvalidated(std::string_view tag) { slot('t', tag).fetch_add(1); }
  // A region cleared (or every region): rare, so one counter covers them.
  void regionCleared() { clears_.fetch_add(1); }

  uint64_t mark(std::string_view key, const std::vector<std::string>& tags) const {
    uint64_t sum = clears_.load() + slot('k', key).load();
    for (const auto& tag : tags) sum += slot('t', tag).load();
    return sum;
  }

 private:
  static constexpr size_t kSlots = 4096;
  std::atomic<uint64_t>& slot(char kind, std::string_view name) const {
    // The kind is mixed in so a key and a tag spelled alike stay apart.
    const uint64_t h = (fnv1a64(name) ^ static_cast<uint64_t>(kind)) * 0x9E3779B97F4A7C15ULL;
    return slots_[h >> 52];  // the top 12 bits: kSlots == 1 << 12
  }

  mutable std::array<std::atomic<uint64_t>, kSlots> slots_{};
  std::atomic<uint64_t> clears_{0};
};

}  // namespace wno::host
