// The memory store: byte bound, TTL, tags, regions, TinyLFU scan
// resistance, and consistency under concurrent use. The clock is injected,
// so nothing here sleeps.
#include "memory_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>

namespace wno::memory_cache {
namespace {

struct Clock {
  std::atomic<int64_t> now{1'000'000};
  std::function<int64_t()> fn() {
    return [this] { return now.load(); };
  }
};

std::optional<std::string> get(MemoryStore& s, const std::string& key) {
  std::optional<std::string> out;
  s.get(key, [&](std::string_view v, int64_t) { out = std::string(v); });
  return out;
}

TEST(MemoryStore, NeverExceedsItsByteBound) {
  Clock clock;
  MemoryStore store({1 << 20, 4, 0.01, 0.8, clock.fn(), {}});
  const std::string value(1000, 'x');
  for (int i = 0; i < 10000; ++i) {
    store.set("key-" + std::to_string(i), value, 0, {}, "");
    ASSERT_LE(store.stats().bytes, 1u << 20) << "after " << i << " inserts";
  }
  auto stats = store.stats();
  EXPECT_GT(stats.evictions, 8000u);
  EXPECT_GT(stats.entries, 500u);  // the budget is actually used
}

TEST(MemoryStore, ExpiredEntriesAreNeverReturned) {
  Clock clock;
  MemoryStore store({1 << 20, 1, 0.01, 0.8, clock.fn(), {}});
  store.set("a", "1", clock.now + 100, {}, "");
  store.set("b", "2", 0, {}, "");  // never expires
  EXPECT_EQ(get(store, "a"), "1");
  clock.now += 100;
  EXPECT_EQ(get(store, "a"), std::nullopt);
  EXPECT_EQ(get(store, "b"), "2");
  EXPECT_EQ(store.stats().expirations, 1u);
  EXPECT_EQ(store.stats().entries, 1u);  // reclaimed on the expired read
}

TEST(MemoryStore, AnUpperBoundOfNowSparesThePreciseClockForFarExpiries) {
  Clock clock;
  std::atomic<int> preciseReads{0};
  StoreOptions options{1 << 20, 1, 0.01, 0.8, [&] {
                         ++preciseReads;
                         return clock.now.load();
                       }};
  options.nowUpperBound = [&] { return clock.now.load() + 5; };
  MemoryStore store(options);
  store.set("far", "v", clock.now + 60000, {}, "");
  store.set("near", "v", clock.now + 3, {}, "");
  EXPECT_EQ(get(store, "far"), "v");
  EXPECT_EQ(preciseReads.load(), 0) << "certainly not expired: no precise read";
  EXPECT_EQ(get(store, "near"), "v");
  EXPECT_EQ(preciseReads.load(), 1) << "within the bound's slack: the precise clock decides";
  clock.now += 3;
  EXPECT_EQ(get(store, "near"), std::nullopt);
}

TEST(MemoryStore, TagsRegionsAndBinaryValues) {
  Clock clock;
  MemoryStore store({1 << 20, 8, 0.01, 0.8, clock.fn(), {}});
  const std::string binary("a\0b\xff", 4);
  store.set("u1", binary, 0, {"users", "users:1"}, "users");
  store.set("u2", "v", 0, {"users", "users:2"}, "users");
  store.set("s1", "v", 0, {"users:1"}, "statistics");
  EXPECT_EQ(get(store, "u1"), binary);
  EXPECT_EQ(store.invalidateTag("users:1"), 2u);
  EXPECT_EQ(get(store, "u1"), std::nullopt);
  EXPECT_EQ(get(store, "s1"), std::nullopt);
  EXPECT_EQ(get(store, "u2"), "v");
  store.set("s2", "v", 0, {}, "statistics");
  EXPECT_EQ(store.stats().regions.at("statistics").entries, 1u);
  EXPECT_EQ(store.clear("statistics"), 1u);
  EXPECT_EQ(get(store, "u2"), "v");
  EXPECT_EQ(store.stats().regions.count("statistics"), 0u);
  EXPECT_EQ(store.clear(""), 1u);
  EXPECT_EQ(store.stats().entries, 0u);
  EXPECT_EQ(store.stats().bytes, 0u);
}

TEST(MemoryStore, OverwriteReplacesValueAndTags) {
  Clock clock;
  MemoryStore store({1 << 20, 1, 0.01, 0.8, clock.fn(), {}});
  store.set("k", "old", 0, {"t1"}, "");
  store.set("k", "new", 0, {"t2"}, "");
  EXPECT_EQ(store.invalidateTag("t1"), 0u);
  EXPECT_EQ(get(store, "k"), "new");
  EXPECT_EQ(store.invalidateTag("t2"), 1u);
  EXPECT_EQ(store.stats().bytes, 0u);
}

TEST(MemoryStore, EntryLargerThanTheShardIsNotCached) {
  Clock clock;
  MemoryStore store({64 * 1024, 1, 0.01, 0.8, clock.fn(), {}});
  store.set("small", "v", 0, {}, "");
  store.set("huge", std::string(100 * 1024, 'x'), 0, {}, "");
  EXPECT_EQ(get(store, "huge"), std::nullopt);
  EXPECT_EQ(get(store, "small"), "v");  // and it did not flush the others
  EXPECT_EQ(store.stats().rejections, 1u);
}

TEST(MemoryStore, FrequentlyUsedKeysSurviveAScanOfOneHitKeys) {
  Clock clock;
  MemoryStore store({256 * 1024, 1, 0.01, 0.8, clock.fn(), {}});
  const std::string value(200, 'v');
  // A working set that fits, used often.
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < 200; ++i) {
      const std::string key = "hot-" + std::to_string(i);
      if (!get(store, key)) store.set(key, value, 0, {}, "");
    }
  }
  // A scan: many keys touched once, ten times the cache's capacity.
  for (int i = 0; i < 10000; ++i) store.set("scan-" + std::to_string(i), value, 0, {}, "");
  int survivors = 0;
  for (int i = 0; i < 200; ++i) survivors += get(store, "hot-" + std::to_string(i)) ? 1 : 0;
  // Plain LRU would keep none of them.
  EXPECT_GE(survivors, 180) << "TinyLFU should protect the frequently used keys";
}

TEST(MemoryStore, ConcurrentUseKeepsCountsConsistent) {
  Clock clock;
  MemoryStore store({512 * 1024, 16, 0.01, 0.8, clock.fn(), {}});
  std::atomic<uint64_t> gets{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      for (int i = 0; i < 20000; ++i) {
        const std::string key = "k" + std::to_string(rng() % 2000);
        switch (rng() % 10) {
          case 0: store.remove(key); break;
          case 1: store.set(key, std::string(rng() % 500, 'x'), 0, {"tag" + std::to_string(rng() % 20)}, ""); break;
          case 2: store.invalidateTag("tag" + std::to_string(rng() % 20)); break;
          default:
            store.get(key, [](std::string_view, int64_t) {});
            ++gets;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  auto stats = store.stats();
  EXPECT_EQ(stats.hits + stats.misses, gets.load());
  EXPECT_LE(stats.bytes, 512u * 1024);
  // Recount entries the slow way: every entry is reachable and accounted.
  EXPECT_EQ(store.clear(""), stats.entries);
}

}  // namespace
}  // namespace wno::memory_cache

namespace wno::memory_cache {
namespace {

TEST(MemoryStoreRegions, ARegionStaysWithinItsShare) {
  StoreOptions options{1 << 20, 1, 0.01, 0.8, [] { return int64_t{1}; }, {{"statistics", 0.25}}};
  MemoryStore store(options);
  const std::string value(1000, 'x');
  for (int i = 0; i < 300; ++i) store.set("user-" + std::to_string(i), value, 0, {}, "users");
  for (int i = 0; i < 2000; ++i) {
    store.set("stat-" + std::to_string(i), value, 0, {}, "statistics");
    ASSERT_LE(store.stats().regions["statistics"].bytes, (1u << 20) / 4) << "after " << i;
  }
  // The busy region did not push the other one out.
  const auto stats = store.stats();
  EXPECT_EQ(stats.regions.at("users").entries, 300u);
  EXPECT_EQ(stats.regions.at("users").evictions, 0u);
  EXPECT_GT(stats.regions.at("statistics").evictions, 0u) << "the busy region paid for its own space";
  EXPECT_EQ(stats.regions.at("statistics").maxBytes, (1u << 20) / 4);
  // The newest statistics entries are the ones kept.
  EXPECT_TRUE(store.get("stat-1999", [](std::string_view, int64_t) {}));
  EXPECT_FALSE(store.get("stat-0", [](std::string_view, int64_t) {}));
}

}  // namespace
}  // namespace wno::memory_cache
