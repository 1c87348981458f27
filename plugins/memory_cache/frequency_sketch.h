// Approximate access frequency for TinyLFU admission: a count-min sketch of
// 4 rows of small saturating counters. Every `sampleSize` increments all
// counters are halved, so old popularity fades and the sketch follows
// changes in the workload. Not thread-safe: one per cache shard, under its lock.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

namespace wno::memory_cache {

class FrequencySketch {
 public:
  explicit FrequencySketch(size_t expectedEntries) {
    size_t width = 64;
    while (width < expectedEntries * 2 && width < (1u << 24)) width <<= 1;
    mask_ = width - 1;
    table_.assign(width * kRows, 0);
    sampleSize_ = width * 10;
  }

  void increment(std::string_view key) {
    const uint64_t h = hash(key);
    for (size_t row = 0; row < kRows; ++row) {
      uint8_t& c = table_[row * (mask_ + 1) + index(h, row)];
      if (c < kMax) ++c;
    }
    if (++additions_ >= sampleSize_) age();
  }

  uint32_t frequency(std::string_view key) const {
    const uint64_t h = hash(key);
    uint32_t best = kMax;
    for (size_t row = 0; row < kRows; ++row) {
      best = std::min<uint32_t>(best, table_[row * (mask_ + 1) + index(h, row)]);
    }
    return best;
  }

 private:
  static constexpr size_t kRows = 4;
  static constexpr uint8_t kMax = 15;

  static uint64_t hash(std::string_view key) { return std::hash<std::string_view>{}(key) * 0x9E3779B97F4A7C15ull; }
  size_t index(uint64_t h, size_t row) const {
    // Different rotations of one good hash stand in for independent hashes.
    const uint64_t mixed = (h >> (row * 16)) ^ (h << (64 - row * 16 - 1)) ^ (row * 0xBF58476D1CE4E5B9ull);
    return static_cast<size_t>(mixed ^ (mixed >> 29)) & mask_;
  }
  void age() {
    for (auto& c : table_) c >>= 1;
    additions_ /= 2;
  }

  std::vector<uint8_t> table_;
  size_t mask_ = 0;
  size_t sampleSize_ = 0;
  size_t additions_ = 0;
};

}  // namespace wno::memory_cache
