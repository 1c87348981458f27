// The entity cache: L1-only peeks that never reach past the first level,
// read-through with ETags from versions, and eager refresh (a hit past the
// threshold of its TTL reloads in the background; a failing reload keeps
// the current value; one reload per key; a write meanwhile wins), over the
// real cache service with in-test backends behind the C vtable.
#include "data/entity_cache.h"

#include "cache/cache_service.h"
#include "eventually.h"
#include "fake_cache_backend.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace wno::host::data {
namespace {

using nlohmann::json;
using test::eventually;

// A repository stand-in: what the loader returns, and how often it ran.
struct Source {
  std::mutex mutex;
  std::condition_variable changed;
  int64_t version = 1;
  wno_status failWith = WNO_OK;
  bool gated = false;  // loads wait until the gate opens
  std::atomic<int> loads{0};

  Result<std::optional<std::string>> load(int64_t id) {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return !gated; });
    loads++;
    if (failWith != WNO_OK) return Status(failWith, "database down");
    return std::optional<std::string>("{\"id\":" + std::to_string(id) + ",\"title\":\"t\",\"version\":" +
                                      std::to_string(version) + "}");
  }
  void set(std::function<void()> change) {
    {
      std::lock_guard lock(mutex);
      change();
    }
    changed.notify_all();
  }
};

Collection battles(int64_t ttlMs) {
  std::vector<std::string> errors;
  auto all = collectionsFrom(json::parse(R"({"battles": {"versioned": true, "fields": {"title": {"type": "text"}},
                                             "cache": {"ttl_ms": )" + std::to_string(ttlMs) + R"(}}})"),
                             errors);
  EXPECT_TRUE(errors.empty());
  return all.at("battles");
}

class EntityCacheTest : public ::testing::Test {
 protected:
  HostServices services;
  test::FakeCacheState l1, l2;
  Source source;
  std::unique_ptr<CacheService> service;

  void SetUp() override {
    std::vector<CacheLevel> levels;
    levels.push_back({"l1", test::makeFakeBackend(l1, services)});
    levels.push_back({"l2", test::makeFakeBackend(l2, services)});
    service = std::make_unique<CacheService>(std::move(levels), CacheServiceOptions{}, services);
  }

  std::unique_ptr<EntityCache> make(EagerRefreshOptions eager = {}) {
    return std::make_unique<EntityCache>(
        service.get(), [this](const Collection&, int64_t id) { return source.load(id); }, eager);
  }

  static std::string body(const std::string& framed) { return std::string(EntityCache::unframe(framed).body); }
};

TEST_F(EntityCacheTest, ReadsThroughWithTheVersionAsETagAndPeeksOnlyTheFirstLevel) {
  const Collection c = battles(60000);
  auto cache = make();
  std::string framed;
  EXPECT_FALSE(cache->peekEntity(c, 1, framed)) << "nothing cached yet, and a peek never loads";
  EXPECT_EQ(source.loads, 0);
  auto loaded = cache->entity(c, 1);
  ASSERT_TRUE(loaded.isOk());
  EXPECT_EQ(EntityCache::unframe(loaded.value()).etag, "\"v1\"");
  EXPECT_EQ(body(loaded.value()), R"({"id":1,"title":"t","version":1})");
  ASSERT_TRUE(cache->peekEntity(c, 1, framed));
  EXPECT_EQ(framed, loaded.value());
  EXPECT_EQ(source.loads, 1);

  // Only L2 has it: a peek does not go there (it may block), entity() does.
  l1.entries.clear();
  const int l2Calls = l2.calls.load();
  EXPECT_FALSE(cache->peekEntity(c, 1, framed));
  EXPECT_EQ(l2.calls.load(), l2Calls);
  ASSERT_TRUE(cache->entity(c, 1).isOk());
  EXPECT_EQ(source.loads, 1) << "an L2 hit";
  EXPECT_TRUE(cache->peekEntity(c, 1, framed)) << "and L1 was filled from it";

  // A write drops the entity; the next read loads the new version.
  source.set([&] { source.version = 2; });
  cache->invalidateEntity(c, 1);
  EXPECT_FALSE(cache->peekEntity(c, 1, framed));
  EXPECT_EQ(EntityCache::unframe(cache->entity(c, 1).value()).etag, "\"v2\"");
}

TEST_F(EntityCacheTest, AHitPastTheThresholdRefreshesInTheBackgroundAndKeepsServing) {
  // 600 ms TTL, refresh after half of it.
  const Collection c = battles(600);
  EagerRefreshOptions eager;
  eager.threshold = 0.5;
  auto cache = make(eager);
  ASSERT_TRUE(cache->entity(c, 7).isOk());
  std::string framed;
  ASSERT_TRUE(cache->peekEntity(c, 7, framed));
  EXPECT_EQ(source.loads, 1) << "a hit well within its TTL refreshes nothing";

  source.set([&] { source.version = 2; });
  std::this_thread::sleep_for(std::chrono::milliseconds(350));  // past half the TTL, before its end
  ASSERT_TRUE(cache->peekEntity(c, 7, framed)) << "the hit is answered at once";
  EXPECT_EQ(EntityCache::unframe(framed).etag, "\"v1\"") << "with the current value";
  // The reload lands and replaces it, with a new TTL: a popular key never
  // expires under load.
  EXPECT_TRUE(eventually([&] {
    return cache->peekEntity(c, 7, framed) && EntityCache::unframe(framed).etag == "\"v2\"";
  }));
  EXPECT_EQ(source.loads, 2);
  EXPECT_EQ(cache->refreshCounts().refreshed, 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(350));  // the first write's expiry has passed
  EXPECT_TRUE(cache->peekEntity(c, 7, framed)) << "the refreshed value lives on";
}

TEST_F(EntityCacheTest, AFailingRefreshKeepsServingTheCurrentValue) {
  const Collection c = battles(600);
  EagerRefreshOptions eager;
  eager.threshold = 0.5;
  auto cache = make(eager);
  ASSERT_TRUE(cache->entity(c, 3).isOk());
  source.set([&] { source.failWith = WNO_ERR_UNAVAILABLE; });
  std::this_thread::sleep_for(std::chrono::milliseconds(350));
  std::string framed;
  ASSERT_TRUE(cache->peekEntity(c, 3, framed));
  EXPECT_TRUE(eventually([&] { return cache->refreshCounts().failed == 1; }));
  ASSERT_TRUE(cache->peekEntity(c, 3, framed)) << "the failure changed nothing";
  EXPECT_EQ(body(framed), R"({"id":3,"title":"t","version":1})");
  // The next hit past the threshold tries again.
  source.set([&] { source.failWith = WNO_OK; });
  EXPECT_TRUE(eventually([&] {
    cache->peekEntity(c, 3, framed);
    return cache->refreshCounts().refreshed == 1;
  }));
}

TEST_F(EntityCacheTest, ConcurrentHitsPastTheThresholdRefreshOnceAndAWriteMeanwhileWins) {
  const Collection c = battles(600);
  EagerRefreshOptions eager;
  eager.threshold = 0.5;
  auto cache = make(eager);
  ASSERT_TRUE(cache->entity(c, 9).isOk());
  std::this_thread::sleep_for(std::chrono::milliseconds(350));
  source.set([&] { source.gated = true; });  // the reload will wait in the "database"
  std::vector<std::thread> readers;
  std::atomic<int> hits{0};
  for (int i = 0; i < 16; ++i) {
    readers.emplace_back([&] {
      std::string framed;
      for (int k = 0; k < 20; ++k) hits += cache->peekEntity(c, 9, framed) ? 1 : 0;
    });
  }
  for (auto& t : readers) t.join();
  EXPECT_EQ(hits, 16 * 20) << "no reader waited for the reload or missed";
  // A write lands while the reload is still reading the old row.
  cache->invalidateEntity(c, 9);
  source.set([&] { source.gated = false; });
  EXPECT_TRUE(eventually([&] { return cache->refreshCounts().superseded == 1; }));
  EXPECT_EQ(source.loads, 2) << "one reload for 320 hits past the threshold";
  std::string framed;
  EXPECT_FALSE(cache->peekEntity(c, 9, framed)) << "the reload did not put back what the write dropped";
}

TEST_F(EntityCacheTest, WithoutACacheEveryReadLoadsAndNothingIsPeeked) {
  const Collection c = battles(60000);
  EntityCache cache(nullptr, [this](const Collection&, int64_t id) { return source.load(id); });
  std::string framed;
  EXPECT_FALSE(cache.peekEntity(c, 1, framed));
  ASSERT_TRUE(cache.entity(c, 1).isOk());
  ASSERT_TRUE(cache.entity(c, 1).isOk());
  EXPECT_EQ(source.loads, 2);
  source.set([&] { source.failWith = WNO_ERR_UNAVAILABLE; });
  EXPECT_EQ(cache.entity(c, 1).status().code(), WNO_ERR_UNAVAILABLE);
}

TEST(EntityCacheETags, VersionsForVersionedRowsAndTheRowsOwnBytesOtherwise) {
  std::vector<std::string> errors;
  auto all = collectionsFrom(json::parse(R"({"a": {"versioned": true, "fields": {"t": {"type": "text"}}},
                                            "b": {"fields": {"t": {"type": "text"}}, "operations": ["get"]}})"),
                             errors);
  ASSERT_TRUE(errors.empty());
  EXPECT_EQ(EntityCache::etagOfRow(all.at("a"), R"({"id":1,"version":12})"), "\"v12\"");
  const std::string unversioned = EntityCache::etagOfRow(all.at("b"), R"({"id":1,"t":"x"})");
  EXPECT_EQ(unversioned.size(), 19u);
  EXPECT_EQ(unversioned.substr(0, 2), "\"h");
  EXPECT_NE(unversioned, EntityCache::etagOfRow(all.at("b"), R"({"id":1,"t":"y"})"));
  EXPECT_EQ(unversioned, EntityCache::etagOfRow(all.at("b"), R"({"id":1,"t":"x"})"));
  auto framed = EntityCache::frame("\"v1\"", "{\"a\":\"line\\nbreak\"}");
  EXPECT_EQ(EntityCache::unframe(framed).etag, "\"v1\"");
  EXPECT_EQ(EntityCache::unframe(framed).body, "{\"a\":\"line\\nbreak\"}");
}

}  // namespace
}  // namespace wno::host::data
