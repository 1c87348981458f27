// Counters for the cache's hot paths. Every L1 hit of a region counts; one
// shared atomic would bounce its cache line between cores on each hit, so
// each thread adds to its own stripe and readers sum the stripes.
// PublishedCounter mirrors one into a Prometheus counter on each scrape.
// THREADS: add() from any thread; load() any time (a sum of relaxed reads,
//   exact once writers are quiet); publish() from one thread at a time.
#pragma once

#include <prometheus/counter.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace wno::host {

class StripedCounter {
 public:
  void add(uint64_t n = 1) { stripes_[stripe()].value.fetch_add(n, std::memory_order_relaxed); }
  uint64_t load() const {
    uint64_t sum = 0;
    for (const auto& s : stripes_) sum += s.value.load(std::memory_order_relaxed);
    return sum;
  }

 private:
  static constexpr size_t kStripes = 16;
  struct alignas(64) Stripe {
    std::atomic<uint64_t> value{0};
  };
  // Threads get stripes round robin; with more threads than stripes some
  // share one, which is still correct, only less private.
  static size_t stripe() {
    static std::atomic<size_t> next{0};
    thread_local const size_t mine = next.fetch_add(1, std::memory_order_relaxed) % kStripes;
    return mine;
  }
  std::array<Stripe, kStripes> stripes_;
};

class PublishedCounter {
 public:
  explicit PublishedCounter(prometheus::Counter* metric = nullptr) : metric_(metric) {}
  void add(uint64_t n = 1) { local_.add(n); }
  uint64_t load() const { return local_.load(); }
  // Moves what was counted since the last publish into the Prometheus counter.
  void publish() {
    const uint64_t now = local_.load();
    if (metric_ && now > published_) metric_->Increment(static_cast<double>(now - published_));
    published_ = now;
  }

 private:
  StripedCounter local_;
  prometheus::Counter* metric_;
  uint64_t published_ = 0;
};

}  // namespace wno::host
