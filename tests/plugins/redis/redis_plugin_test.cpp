// The redis backend and probe against a real redis-server: values with
// absolute expiry, tags any host can invalidate, the pub/sub backplane
// between two instances, and Redis killed and restarted.
#include "redis_server.h"

#include "common/clock.h"

#include <wno/sdk/testing.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <mutex>
#include <thread>

namespace {

using wno::sdk::str;
using wno::sdk::testing::FakeHost;
using wno::sdk::testing::Instance;
using wno::test::eventually;
using wno::test::RedisServer;

struct Found {
  wno_status status = WNO_OK;
  std::string value;
  int64_t expiresAt = 0;
};

Found get(const Instance<wno_type_cache>& c, const std::string& key) {
  Found f;
  wno_cache_entry_sink sink{&f, [](void* ctx, const wno_cache_entry* e) -> wno_status {
                              auto* out = static_cast<Found*>(ctx);
                              out->value.assign(reinterpret_cast<const char*>(e->value.data), e->value.len);
                              out->expiresAt = e->expires_at_ms;
                              return WNO_OK;
                            }};
  f.status = c.vtable().on_get(c.self(), str(key), &sink);
  return f;
}

wno_status set(const Instance<wno_type_cache>& c, const std::string& key, const std::string& value, int64_t expiresAt,
               std::vector<std::string> tags = {}, const std::string& region = "") {
  std::vector<wno_str> views;
  for (const auto& t : tags) views.push_back(str(t));
  wno_cache_entry e{sizeof(wno_cache_entry), {reinterpret_cast<const uint8_t*>(value.data()), value.size()},
                    expiresAt, views.data(), views.size(), str(region)};
  return c.vtable().on_set(c.self(), str(key), &e);
}

struct Events {
  std::mutex mutex;
  std::vector<std::pair<wno_cache_event, std::string>> seen;
  wno_cache_listener listener() {
    return {this, [](void* ctx, wno_cache_event e, wno_str subject) {
              auto* self = static_cast<Events*>(ctx);
              std::lock_guard lock(self->mutex);
              self->seen.emplace_back(e, std::string(subject.data, subject.len));
            }};
  }
  bool has(wno_cache_event e, const std::string& subject) {
    std::lock_guard lock(mutex);
    for (const auto& s : seen) {
      if (s.first == e && s.second == subject) return true;
    }
    return false;
  }
};

bool subscribed(const Instance<wno_type_cache>& c) {
  std::string stats;
  wno_sink sink = wno::sdk::sinkInto(stats);
  c.vtable().on_stats(c.self(), &sink);
  return nlohmann::json::parse(stats)["backplane_subscribed"].get<bool>();
}

std::string config(const RedisServer& redis, const std::string& prefix = "wno:") {
  return nlohmann::json{{"url", redis.url()}, {"timeout_ms", 200}, {"key_prefix", prefix}}.dump();
}

TEST(RedisCache, ValuesExpiryTagsAndRegions) {
  RedisServer redis;
  FakeHost host;
  auto cache = host.create<wno_type_cache>(WNO_KIND_CACHE, "redis", config(redis));
  const int64_t at = wno::common::unixNowMs() + 60000;
  const std::string binary("a\0b\xff", 4);
  ASSERT_EQ(set(cache, "u1", binary, at, {"users", "users:1"}, "users"), WNO_OK);
  ASSERT_EQ(set(cache, "u2", "two", at, {"users"}, "users"), WNO_OK);
  auto found = get(cache, "u1");
  ASSERT_EQ(found.status, WNO_OK);
  EXPECT_EQ(found.value, binary);
  EXPECT_EQ(found.expiresAt, at);
  uint64_t removed = 0;
  ASSERT_EQ(cache.vtable().on_invalidate_tag(cache.self(), str("users:1"), &removed), WNO_OK);
  EXPECT_EQ(removed, 1u);
  EXPECT_EQ(get(cache, "u1").status, WNO_NOT_FOUND);
  EXPECT_EQ(get(cache, "u2").status, WNO_OK);
  ASSERT_EQ(cache.vtable().on_clear(cache.self(), str("users")), WNO_OK);
  EXPECT_EQ(get(cache, "u2").status, WNO_NOT_FOUND);
  // An expiry in the past is honoured by Redis itself.
  ASSERT_EQ(set(cache, "old", "v", wno::common::unixNowMs() - 10), WNO_OK);
  EXPECT_EQ(get(cache, "old").status, WNO_NOT_FOUND);
  ASSERT_EQ(set(cache, "a", "1", at), WNO_OK);
  ASSERT_EQ(cache.vtable().on_clear(cache.self(), str("")), WNO_OK);
  EXPECT_EQ(get(cache, "a").status, WNO_NOT_FOUND);
}

TEST(RedisCache, ATagKeepsOnlyItsLiveMembers) {
  RedisServer redis;
  FakeHost host;
  auto cache = host.create<wno_type_cache>(WNO_KIND_CACHE, "redis", config(redis));
  // 200 short-lived entries of a busy tag, then they expire.
  for (int i = 0; i < 200; ++i) ASSERT_EQ(set(cache, "short" + std::to_string(i), "v", wno::common::unixNowMs() + 30, {"busy"}), WNO_OK);
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  ASSERT_EQ(set(cache, "long", "v", wno::common::unixNowMs() + 60000, {"busy"}), WNO_OK);
  redisContext* c = redisConnect("127.0.0.1", redis.port());
  ASSERT_TRUE(c && !c->err);
  auto* reply = static_cast<redisReply*>(redisCommand(c, "ZCARD wno:tz:busy"));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->integer, 1) << "the expired members were dropped when the tag was written again";
  freeReplyObject(reply);
  redisFree(c);
  uint64_t removed = 0;
  ASSERT_EQ(cache.vtable().on_invalidate_tag(cache.self(), str("busy"), &removed), WNO_OK);
  EXPECT_EQ(removed, 1u);
  EXPECT_EQ(get(cache, "long").status, WNO_NOT_FOUND);
  // An entry without expiry keeps its tag for good.
  ASSERT_EQ(set(cache, "forever", "v", 0, {"busy"}), WNO_OK);
  ASSERT_EQ(set(cache, "brief", "v", wno::common::unixNowMs() + 60000, {"busy"}), WNO_OK);
  ASSERT_EQ(cache.vtable().on_invalidate_tag(cache.self(), str("busy"), &removed), WNO_OK);
  EXPECT_EQ(removed, 2u);
  EXPECT_EQ(get(cache, "forever").status, WNO_NOT_FOUND);
}

TEST(RedisCache, AnotherHostSeesInvalidationsThroughTheBackplane) {
  RedisServer redis;
  FakeHost hostA, hostB;
  auto a = hostA.create<wno_type_cache>(WNO_KIND_CACHE, "redis", config(redis));
  auto b = hostB.create<wno_type_cache>(WNO_KIND_CACHE, "redis", config(redis));
  Events eventsA, eventsB;
  auto la = eventsA.listener();
  auto lb = eventsB.listener();
  ASSERT_EQ(a.vtable().on_set_listener(a.self(), &la), WNO_OK);
  ASSERT_EQ(b.vtable().on_set_listener(b.self(), &lb), WNO_OK);
  // Wait until both subscribers are connected before publishing.
  ASSERT_TRUE(eventually([&] { return subscribed(a) && subscribed(b); }));

  ASSERT_EQ(set(a, "battle:7", "v", wno::common::unixNowMs() + 60000, {"battles:7"}), WNO_OK);
  EXPECT_TRUE(eventually([&] { return eventsB.has(WNO_CACHE_EVENT_KEY, "battle:7"); }));
  uint64_t removed = 0;
  ASSERT_EQ(a.vtable().on_invalidate_tag(a.self(), str("battles:7"), &removed), WNO_OK);
  EXPECT_TRUE(eventually([&] { return eventsB.has(WNO_CACHE_EVENT_TAG, "battles:7"); }));
  ASSERT_EQ(a.vtable().on_delete(a.self(), str("battle:7")), WNO_NOT_FOUND);
  EXPECT_TRUE(eventually([&] { return eventsB.has(WNO_CACHE_EVENT_KEY, "battle:7"); }));
  // A host never hears its own changes.
  EXPECT_FALSE(eventsA.has(WNO_CACHE_EVENT_KEY, "battle:7"));
  ASSERT_EQ(a.vtable().on_set_listener(a.self(), nullptr), WNO_OK);
  ASSERT_EQ(b.vtable().on_set_listener(b.self(), nullptr), WNO_OK);
}

TEST(RedisCache, RedisKilledAndRestarted) {
  RedisServer redis;
  FakeHost host;
  auto cache = host.create<wno_type_cache>(WNO_KIND_CACHE, "redis", config(redis));
  Events events;
  auto listener = events.listener();
  ASSERT_EQ(cache.vtable().on_set_listener(cache.self(), &listener), WNO_OK);
  // Only a subscriber that was connected knows it may have missed events.
  ASSERT_TRUE(eventually([&] { return subscribed(cache); }));
  ASSERT_EQ(set(cache, "k", "v", wno::common::unixNowMs() + 60000), WNO_OK);

  redis.kill();
  // Calls fail with a status and a message, promptly; nothing crashes.
  const auto status = get(cache, "k").status;
  EXPECT_TRUE(status == WNO_ERR_UNAVAILABLE || status == WNO_ERR_TIMEOUT) << status;
  EXPECT_THAT(host.lastError(), ::testing::HasSubstr("redis"));
  EXPECT_NE(set(cache, "k2", "v", wno::common::unixNowMs() + 60000), WNO_OK);

  redis.start();
  // Recovery is automatic once the reconnect backoff allows it.
  EXPECT_TRUE(eventually([&] { return set(cache, "k3", "v", wno::common::unixNowMs() + 60000) == WNO_OK; }));
  EXPECT_EQ(get(cache, "k3").value, "v");
  // The subscriber came back and told the host to drop its L1: events may have been missed.
  EXPECT_TRUE(eventually([&] { return events.has(WNO_CACHE_EVENT_CLEAR, ""); }));
  ASSERT_EQ(cache.vtable().on_set_listener(cache.self(), nullptr), WNO_OK);
}

TEST(RedisCache, APausedRedisTimesOutInsteadOfHangingAndRecovers) {
  RedisServer redis;
  FakeHost host;
  auto cache = host.create<wno_type_cache>(WNO_KIND_CACHE, "redis",
                                           nlohmann::json{{"url", redis.url()}, {"timeout_ms", 50}, {"backplane", false}}.dump());
  ASSERT_EQ(set(cache, "k", "v", wno::common::unixNowMs() + 60000), WNO_OK);
  redis.pause();
  // Connections are accepted by the kernel but nothing answers: every call
  // gives up after timeout_ms with a status, and the connection is dropped.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(get(cache, "k").status, WNO_ERR_TIMEOUT);
    EXPECT_THAT(host.lastError(), ::testing::HasSubstr("redis"));
  }
  EXPECT_NE(set(cache, "k2", "v", wno::common::unixNowMs() + 60000), WNO_OK);
  redis.resume();
  EXPECT_TRUE(eventually([&] { return get(cache, "k").status == WNO_OK; }));
  EXPECT_EQ(get(cache, "k").value, "v");
}

TEST(RedisCache, InvalidatingATagOverManyKeysRemovesEveryOne) {
  RedisServer redis;
  FakeHost host;
  auto cache = host.create<wno_type_cache>(WNO_KIND_CACHE, "redis", config(redis));
  constexpr int kKeys = 10000;  // more than one UNLINK slice of the script
  for (int i = 0; i < kKeys; ++i) ASSERT_EQ(set(cache, "k" + std::to_string(i), "v", wno::common::unixNowMs() + 60000, {"bulk"}), WNO_OK);
  ASSERT_EQ(set(cache, "other", "v", wno::common::unixNowMs() + 60000, {"kept"}), WNO_OK);
  uint64_t removed = 0;
  ASSERT_EQ(cache.vtable().on_invalidate_tag(cache.self(), str("bulk"), &removed), WNO_OK);
  EXPECT_EQ(removed, static_cast<uint64_t>(kKeys));
  EXPECT_EQ(get(cache, "k0").status, WNO_NOT_FOUND);
  EXPECT_EQ(get(cache, "k" + std::to_string(kKeys - 1)).status, WNO_NOT_FOUND);
  EXPECT_EQ(get(cache, "other").status, WNO_OK);
}

TEST(RedisProbe, UpWhenRedisAnswersDownWhenNot) {
  RedisServer redis;
  FakeHost host;
  auto probe = host.create<wno_type_health_probe>(WNO_KIND_HEALTH_PROBE, "redis",
                                                  nlohmann::json{{"url", redis.url()}}.dump());
  auto up = wno::sdk::testing::check(probe);
  EXPECT_EQ(up.health, WNO_HEALTH_UP);
  EXPECT_EQ(up.message, "PONG");
  redis.kill();
  auto down = wno::sdk::testing::check(probe, 200);
  EXPECT_EQ(down.status, WNO_OK);
  EXPECT_EQ(down.health, WNO_HEALTH_DOWN);
  EXPECT_THAT(down.message, ::testing::HasSubstr("connect"));
}

TEST(RedisCache, ConfigErrorsAreNamed) {
  FakeHost host;
  EXPECT_THROW(host.create<wno_type_cache>(WNO_KIND_CACHE, "redis", R"({"url": "http://x"})"), wno::sdk::Error);
  EXPECT_THAT(host.lastError(), ::testing::HasSubstr("url: expected redis://"));
  EXPECT_THROW(host.create<wno_type_cache>(WNO_KIND_CACHE, "redis", R"({"pool": 3})"), wno::sdk::Error);
  EXPECT_THAT(host.lastError(), ::testing::HasSubstr("unknown config key \"pool\""));
}

}  // namespace
