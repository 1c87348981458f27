// Approximate access frequency for TinyLFU admission: a count-min sketch of
// 4 rows of small saturating counters. Every `sampleSize` increments all
// counters are halved, so old popularity fades and the sketch follows
// changes in the workload. Not thread-safe: one per cache shard, under its lock.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

namespace wno::memory_cache {

class FrequencySketch {
 public:
  explicit FrequencySketch(size_t expectedEntries) {
    size_t blocks = 1;
    // About two counters per expected entry and row.
    while (blocks * kCountersPerRow < expectedEntries * 2 && blocks < (1u << 20)) blocks <<= 1;
    blockMask_ = blocks - 1;
    table_.assign(blocks * kBlockBytes, 0);
    sampleSize_ = blocks * kCountersPerRow * 10;
  }

  // Callers pass the key's hash (std::hash<std::string_view>), which they
  // have computed anyway to find the key.
  void increment(uint64_t keyHash) {
    uint8_t* block = blockOf(keyHash);
    const uint64_t h = mix(keyHash);
    for (size_t row = 0; row < kRows; ++row) {
      uint8_t& c = block[row * kCountersPerRow + counterIndex(h, row)];
      if (c < kMax) ++c;
    }
    if (++additions_ >= sampleSize_) age();
  }

  uint32_t frequency(uint64_t keyHash) const {
    const uint8_t* block = const_cast<FrequencySketch*>(this)->blockOf(keyHash);
    const uint64_t h = mix(keyHash);
    uint32_t best = kMax;
    for (size_t row = 0; row < kRows; ++row) {
      best = std::min<uint32_t>(best, block[row * kCountersPerRow + counterIndex(h, row)]);
    }
    return best;
  }

  // Starts loading the key's block: a random line of the table is almost
  // always a cache miss, which then overlaps with the caller's index lookup.
  void prefetch(uint64_t keyHash) const { __builtin_prefetch(const_cast<FrequencySketch*>(this)->blockOf(keyHash), 1); }

  void increment(std::string_view key) { increment(std::hash<std::string_view>{}(key)); }
  uint32_t frequency(std::string_view key) const { return frequency(std::hash<std::string_view>{}(key)); }

 private:
  // A key's four counters share one 64-byte block (as in Caffeine), so an
  // increment touches one cache line instead of four.
  static constexpr size_t kRows = 4;
  static constexpr size_t kCountersPerRow = 16;
  static constexpr size_t kBlockBytes = kRows * kCountersPerRow;
  static constexpr uint8_t kMax = 15;

  static uint64_t mix(uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
  }
  uint8_t* blockOf(uint64_t keyHash) {
    const uint64_t h = keyHash * 0x9E3779B97F4A7C15ull;
    return &table_[static_cast<size_t>((h >> 32) & blockMask_) * kBlockBytes];
  }
  // Four bits of the mixed hash per row pick the row's counter in the block.
  static size_t counterIndex(uint64_t h, size_t row) { return static_cast<size_t>((h >> (row * 8)) & 15); }
  void age() {
    for (auto& c : table_) c >>= 1;
    additions_ /= 2;
  }

  std::vector<uint8_t> table_;
  size_t blockMask_ = 0;
  size_t sampleSize_ = 0;
  size_t additions_ = 0;
};

}  // namespace wno::memory_cache
