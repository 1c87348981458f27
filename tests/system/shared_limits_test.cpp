// A rate limit shared through Redis (/protection/shared) holds across three
// hosts: one client hammering all of them at once gets the configured
// budget (burst plus the sustained rate over the time it ran) within 10 %,
// not three times it, and every host took part in serving it.
#include "cluster.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace wno::test::system {
namespace {

using nlohmann::json;

TEST(ScaleOut, ASharedRateLimitHoldsAcrossThreeHostsWithin10Percent) {
  constexpr int kLimit = 100;  // per second
  constexpr int kBurst = 50;
  Cluster cluster;
  cluster.startAll({{"protection",
                     {{"rate_limits", {{{"name", "shared"}, {"groups", {"api"}}, {"limit", kLimit}, {"window_ms", 1000},
                                        {"burst", kBurst}, {"key", "api_key"}}}},
                      {"shared", {{"redis_url", cluster.redis().url()}, {"timeout_ms", 200}}}}}});
  const Reply created = cluster.post(0, "/api/v1/battles", {{"title", "limited"}});
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string path = "/api/v1/battles/" + created.json()["id"].dump();

  constexpr int kThreadsPerHost = 2;
  const auto duration = std::chrono::seconds(3);
  std::vector<std::atomic<int>> allowed(cluster.size());
  std::atomic<int> limited{0}, other{0};
  std::atomic<bool> go{false};
  Clock::time_point start;
  std::vector<std::thread> threads;
  for (int t = 0; t < cluster.size() * kThreadsPerHost; ++t) {
    threads.emplace_back([&, t] {
      const int host = t % cluster.size();
      HttpClient client(cluster.port(host));
      while (!go.load()) std::this_thread::yield();
      while (Clock::now() - start < duration) {
        const Reply r = client.get(path, {{"X-API-Key", "tenant-1"}});
        if (r.status == 200) {
          ++allowed[host];
        } else if (r.status == 429) {
          ++limited;
        } else {
          ++other;
        }
      }
    });
  }
  start = Clock::now();
  go = true;
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();

  int total = 0;
  for (auto& a : allowed) total += a.load();
  // GCRA: the burst at once, then one request per 1/limit s.
  const double expected = kBurst + kLimit * seconds;
  EXPECT_EQ(other.load(), 0);
  EXPECT_GT(limited.load(), total) << "the load did not exceed the limit; nothing was tested";
  EXPECT_NEAR(total, expected, expected * 0.10) << "allowed " << total << " in " << seconds << " s";
  for (int i = 0; i < cluster.size(); ++i) EXPECT_GT(allowed[i].load(), 0) << "host " << i;
  std::string split;
  for (auto& a : allowed) split += (split.empty() ? "" : "/") + std::to_string(a.load());
  report("rate_limit_expected", expected);
  report("rate_limit_allowed", total);
  report("rate_limit_deviation_pct", 100.0 * (total - expected) / expected);
  report("rate_limit_refused", limited.load());
  report("rate_limit_allowed_per_host", split);
  EXPECT_EQ(cluster.breaker(0, "rate_limit redis")["state"], "closed");
}

}  // namespace
}  // namespace wno::test::system
