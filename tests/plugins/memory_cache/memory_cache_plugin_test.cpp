// The memory backend through its C vtable (SDK trampolines), as the host uses it.
#include <wno/sdk/testing.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

using wno::sdk::testing::FakeHost;

TEST(MemoryCachePlugin, ConfigIsValidated) {
  FakeHost host;
  EXPECT_THROW(host.create<wno_type_cache>(WNO_KIND_CACHE, "memory", R"({"max_bytes": 10})"), wno::sdk::Error);
  EXPECT_THAT(host.lastError(), ::testing::HasSubstr("max_bytes"));
  EXPECT_THROW(host.create<wno_type_cache>(WNO_KIND_CACHE, "memory", R"({"max_bytez": 100000})"), wno::sdk::Error);
  EXPECT_THAT(host.lastError(), ::testing::HasSubstr("unknown config key \"max_bytez\""));
}

TEST(MemoryCachePlugin, SetGetTagsAndStatsThroughTheVtable) {
  FakeHost host;
  auto cache = host.create<wno_type_cache>(WNO_KIND_CACHE, "memory", R"({"max_bytes": 1048576, "shards": 4})");
  const auto& vt = cache.vtable();
  const wno_str tags[] = {wno::sdk::str("users:1")};
  wno_cache_entry entry{sizeof(wno_cache_entry), {reinterpret_cast<const uint8_t*>("value"), 5}, 0, tags, 1,
                        wno::sdk::str("users")};
  ASSERT_EQ(vt.on_set(cache.self(), wno::sdk::str("k"), &entry), WNO_OK);
  std::string got;
  wno_cache_entry_sink sink{&got, [](void* c, const wno_cache_entry* e) -> wno_status {
                              static_cast<std::string*>(c)->assign(reinterpret_cast<const char*>(e->value.data), e->value.len);
                              return WNO_OK;
                            }};
  EXPECT_EQ(vt.on_get(cache.self(), wno::sdk::str("k"), &sink), WNO_OK);
  EXPECT_EQ(got, "value");
  uint64_t removed = 0;
  EXPECT_EQ(vt.on_invalidate_tag(cache.self(), wno::sdk::str("users:1"), &removed), WNO_OK);
  EXPECT_EQ(removed, 1u);
  EXPECT_EQ(vt.on_get(cache.self(), wno::sdk::str("k"), &sink), WNO_NOT_FOUND);
  std::string stats;
  wno_sink statsSink = wno::sdk::sinkInto(stats);
  ASSERT_EQ(vt.on_stats(cache.self(), &statsSink), WNO_OK);
  auto json = nlohmann::json::parse(stats);
  EXPECT_EQ(json["hits"], 1);
  EXPECT_EQ(json["misses"], 1);
  EXPECT_EQ(json["max_bytes"], 1048576);
  EXPECT_EQ(vt.on_set_listener, nullptr);  // local only: no backplane
}

}  // namespace
