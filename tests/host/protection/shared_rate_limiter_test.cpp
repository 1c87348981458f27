// Shared rate limits against a real redis-server: two limiters (two hosts)
// draw from one bucket; the Lua step matches the local GCRA; a dead Redis
// opens the breaker so decisions fall back at once, and it closes again
// when Redis is back (script reloaded after the restart emptied its cache).
#include "protection/shared_rate_limiter.h"
#include "redis_server.h"
#include "metrics/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace wno::host {
namespace {

using test::eventually;
using test::RedisServer;

struct Limiter {
  Limiter(const std::string& url, BreakerOptions breakerOptions = {}) {
    SharedLimitOptions options;
    options.redisUrl = url;
    options.timeout = std::chrono::milliseconds(200);
    options.poolSize = 4;
    breaker = std::make_shared<CircuitBreaker>("rate_limit redis", breakerOptions);
    auto created = SharedRateLimiter::create(options, breaker, metrics);
    if (!created.isOk()) throw std::runtime_error(created.status().message());
    limiter = std::move(created).value();
  }
  Metrics metrics;
  std::shared_ptr<CircuitBreaker> breaker;
  std::unique_ptr<SharedRateLimiter> limiter;
};

TEST(SharedRateLimiter, TwoHostsDrawFromOneBucket) {
  RedisServer redis;
  Limiter a(redis.url()), b(redis.url());
  const GcraParams params = gcraParams(RatePolicy{6, 60000, 6}, 1.0);  // 6 per minute, all at once
  int allowed = 0;
  std::vector<int64_t> remaining;
  for (int i = 0; i < 10; ++i) {
    auto d = (i % 2 == 0 ? a : b).limiter->decide("api|ip:10.0.0.1", params);
    ASSERT_TRUE(d) << "redis answered";
    if (d->allowed) {
      ++allowed;
      remaining.push_back(d->remaining);
    } else {
      EXPECT_EQ(d->remaining, 0);
      EXPECT_GT(d->retryAfterMs, 9000);  // one request per 10 s
      EXPECT_LE(d->retryAfterMs, 10000);
    }
  }
  EXPECT_EQ(allowed, 6);
  EXPECT_EQ(remaining, (std::vector<int64_t>{5, 4, 3, 2, 1, 0}));
  // Other clients have their own buckets.
  EXPECT_TRUE(a.limiter->decide("api|ip:10.0.0.2", params)->allowed);
  EXPECT_THAT(a.metrics.serialize(), ::testing::HasSubstr("wno_rate_limit_shared_decisions_total 6"));
}

TEST(SharedRateLimiter, MatchesTheLocalAlgorithmAndExpiresFullBuckets) {
  RedisServer redis;
  Limiter shared(redis.url());
  GcraLimiter local;
  const GcraParams params = gcraParams(RatePolicy{3, 1000, 3}, 1.0);
  for (int i = 0; i < 5; ++i) {
    auto s = shared.limiter->decide("k", params);
    auto l = local.decideUs("k", 1'000'000, params);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->allowed, l.allowed) << i;
    EXPECT_EQ(s->remaining, l.remaining) << i;
  }
  // The key lives only until the bucket is full again (1 s here).
  redisContext* c = redisConnect("127.0.0.1", redis.port());
  auto* ttl = static_cast<redisReply*>(redisCommand(c, "PTTL wno:rl:k"));
  EXPECT_GT(ttl->integer, 0);
  EXPECT_LE(ttl->integer, 1000);
  freeReplyObject(ttl);
  redisFree(c);
}

TEST(SharedRateLimiter, BreakerOpensWhenRedisDiesAndClosesWhenItReturns) {
  RedisServer redis;
  BreakerOptions breaker;
  breaker.failureThreshold = 3;
  breaker.openFor = std::chrono::milliseconds(200);
  Limiter host(redis.url(), breaker);
  const GcraParams params = gcraParams(RatePolicy{1000, 1000, 0}, 1.0);
  ASSERT_TRUE(host.limiter->decide("k", params));

  redis.kill();
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(host.limiter->decide("k", params)) << "falls back, never throws";
  EXPECT_EQ(host.breaker->state(), BreakerState::Open);
  // Open: no request waits on Redis; the fallback is counted by reason.
  EXPECT_FALSE(host.limiter->decide("k", params));
  const std::string text = host.metrics.serialize();
  EXPECT_THAT(text, ::testing::HasSubstr("wno_rate_limit_fallback_total{reason=\"error\"} 3"));
  EXPECT_THAT(text, ::testing::HasSubstr("wno_rate_limit_fallback_total{reason=\"circuit_open\"} 1"));

  // A restarted Redis has no scripts cached: EVALSHA says NOSCRIPT and the
  // limiter loads the script again.
  redis.start();
  EXPECT_TRUE(eventually([&] { return host.limiter->decide("k", params).has_value(); }));
  EXPECT_EQ(host.breaker->state(), BreakerState::Closed);
  EXPECT_TRUE(host.limiter->decide("k", params));
}

TEST(SharedRateLimiter, RefusesAMalformedUrlWithTheKey) {
  Metrics metrics;
  SharedLimitOptions options;
  options.redisUrl = "http://127.0.0.1:6379";
  auto created = SharedRateLimiter::create(options, std::make_shared<CircuitBreaker>("x", BreakerOptions{}), metrics);
  ASSERT_FALSE(created.isOk());
  EXPECT_THAT(created.status().message(), ::testing::HasSubstr("/protection/shared/redis_url"));
  EXPECT_FALSE(parseRedisAddress("redis://host:99999").isOk());
  auto full = parseRedisAddress("redis://user:p@ss@cache.internal:6380/2");
  ASSERT_TRUE(full.isOk());
  EXPECT_EQ(full.value().user, "user");
  EXPECT_EQ(full.value().password, "p@ss");
  EXPECT_EQ(full.value().host, "cache.internal");
  EXPECT_EQ(full.value().port, 6380);
  EXPECT_EQ(full.value().db, 2);
}

}  // namespace
}  // namespace wno::host
