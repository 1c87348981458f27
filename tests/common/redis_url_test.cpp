#include "common/redis_url.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace wno::common {
namespace {

TEST(RedisUrl, DefaultsForWhatIsLeftOut) {
  auto url = parseRedisUrl("redis://cache.internal");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "cache.internal");
  EXPECT_EQ(url->port, 6379);
  EXPECT_EQ(url->db, 0);
  EXPECT_TRUE(url->user.empty());
  EXPECT_TRUE(url->password.empty());
}

TEST(RedisUrl, EveryPart) {
  auto url = parseRedisUrl("redis://user:p@ss@cache.internal:6380/2");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->user, "user");
  EXPECT_EQ(url->password, "p@ss");  // credentials end at the last '@'
  EXPECT_EQ(url->host, "cache.internal");
  EXPECT_EQ(url->port, 6380);
  EXPECT_EQ(url->db, 2);
}

TEST(RedisUrl, ALoneCredentialIsThePassword) {
  auto url = parseRedisUrl("redis://secret@127.0.0.1:6379/0/");
  ASSERT_TRUE(url);
  EXPECT_TRUE(url->user.empty());
  EXPECT_EQ(url->password, "secret");
  auto empty = parseRedisUrl("redis://:secret@h");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->user.empty());
  EXPECT_EQ(empty->password, "secret");
}

TEST(RedisUrl, RefusalsSayWhatIsWrong) {
  std::string error;
  EXPECT_FALSE(parseRedisUrl("http://x", &error));
  EXPECT_THAT(error, ::testing::StartsWith("expected redis://"));
  EXPECT_FALSE(parseRedisUrl("redis://host:99999", &error));
  EXPECT_THAT(error, ::testing::StartsWith("bad port: "));
  EXPECT_FALSE(parseRedisUrl("redis://host:0", &error));
  EXPECT_FALSE(parseRedisUrl("redis://host/x", &error));
  EXPECT_THAT(error, ::testing::StartsWith("bad database number: "));
  EXPECT_FALSE(parseRedisUrl("redis://:6379", &error));
  EXPECT_THAT(error, ::testing::StartsWith("no host: "));
  EXPECT_TRUE(parseRedisUrl("redis://host:6379/0"));  // no error wanted: none is written
}

}  // namespace
}  // namespace wno::common
