// Redis (L2 + backplane) is killed and restarted while three hosts serve
// cached reads: L1 keeps serving (zero 5xx), each host's "cache l2"
// breaker opens and closes again, each backplane subscribes again, and
// nothing committed is lost: a write acknowledged during the outage is
// what every host serves afterwards, and invalidation works as before.
#include "cluster.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace wno::test::system {
namespace {

using nlohmann::json;

struct Counts {
  std::atomic<int> ok{0}, wrong{0}, server{0}, other{0};
  void add(const Reply& r, const std::string& expectTitle) {
    if (r.status == 200) {
      if (expectTitle.empty() || r.json().value("title", "") == expectTitle) {
        ++ok;
      } else {
        ++wrong;
      }
    } else if (r.status >= 500) {
      ++server;
    } else {
      ++other;
    }
  }
};

TEST(Faults, RedisKilledAndRestartedUnderCachedReadLoad) {
  Cluster cluster;
  cluster.startAll();
  // A hot set every host holds in L1, and cold reads: list pages under a
  // filter never asked before, so each one misses L1 and goes on to the
  // (dead) L2, whose breaker must open, and later close again.
  constexpr int kHot = 20;
  json hotRows = json::array();
  for (int i = 0; i < kHot; ++i) hotRows.push_back({{"title", "hot " + std::to_string(i)}});
  const Reply hot = cluster.post(0, "/api/v1/battles/bulk", hotRows);
  ASSERT_EQ(hot.status, 201) << hot.body;
  const std::vector<int64_t> hotIds = hot.json()["ids"];
  const Reply written = cluster.post(0, "/api/v1/battles", {{"title", "before the outage"}});
  const Reply probe = cluster.post(0, "/api/v1/battles", {{"title", "probe 0"}});
  ASSERT_EQ(written.status, 201);
  ASSERT_EQ(probe.status, 201);
  const std::string writtenPath = "/api/v1/battles/" + written.json()["id"].dump();
  const std::string probePath = "/api/v1/battles/" + probe.json()["id"].dump();
  for (int i = 0; i < cluster.size(); ++i) {
    HttpClient client(cluster.port(i));
    for (int k = 0; k < 2; ++k) {
      for (int64_t id : hotIds) ASSERT_EQ(client.get("/api/v1/battles/" + std::to_string(id)).status, 200);
      ASSERT_EQ(client.get(writtenPath).status, 200);
      ASSERT_EQ(client.get(probePath).status, 200);
    }
  }

  Counts hotCounts, coldCounts;
  std::atomic<bool> stop{false};
  std::atomic<int> coldNext{0};
  std::vector<std::thread> load;
  for (int i = 0; i < cluster.size(); ++i) {
    for (int t = 0; t < 2; ++t) {
      load.emplace_back([&, i, t] {
        HttpClient client(cluster.port(i));
        for (size_t n = t; !stop.load(); ++n) {
          const size_t k = n % hotIds.size();
          hotCounts.add(client.get("/api/v1/battles/" + std::to_string(hotIds[k])), "hot " + std::to_string(k));
        }
      });
    }
    load.emplace_back([&, i] {
      HttpClient client(cluster.port(i));
      while (!stop.load()) {
        const Reply page = client.get("/api/v1/battles?limit=1&votes=eq." + std::to_string(coldNext.fetch_add(1) + 1));
        coldCounts.add(page, "");
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));

  cluster.redis().kill();
  const auto killedAt = Clock::now();
  std::vector<bool> opened(cluster.size(), false);
  EXPECT_TRUE(eventually([&] {
    bool all = true;
    for (int i = 0; i < cluster.size(); ++i) {
      if (!opened[i]) opened[i] = cluster.breaker(i, "cache l2").value("state", "") == "open";
      all = all && opened[i];
    }
    return all;
  }, std::chrono::seconds(10))) << "cache l2 breaker opened on: " << ::testing::PrintToString(opened);
  const double openedMs = msSince(killedAt);
  // A write during the outage is acknowledged and read back by its writer.
  const Reply before = cluster.get(0, writtenPath);
  const Reply patched = HttpClient(cluster.port(0)).send("PATCH", writtenPath, R"({"title":"during the outage"})",
                                                         {{"If-Match", before.etag}});
  EXPECT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(cluster.get(0, writtenPath).json().value("title", ""), "during the outage");
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));

  cluster.redis().start();
  const auto restartedAt = Clock::now();
  const double outageMs = msSince(killedAt);
  std::vector<bool> closed(cluster.size(), false), subscribed(cluster.size(), false);
  EXPECT_TRUE(eventually([&] {
    bool all = true;
    for (int i = 0; i < cluster.size(); ++i) {
      if (!closed[i]) closed[i] = cluster.breaker(i, "cache l2").value("state", "") == "closed";
      if (!subscribed[i]) subscribed[i] = cluster.l2Stats(i).value("backplane_subscribed", false);
      all = all && closed[i] && subscribed[i];
    }
    return all;
  }, std::chrono::seconds(15))) << "closed " << ::testing::PrintToString(closed) << ", subscribed " << ::testing::PrintToString(subscribed);
  const double recoveredMs = msSince(restartedAt);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  stop = true;
  for (auto& t : load) t.join();

  EXPECT_EQ(hotCounts.server.load(), 0);
  EXPECT_EQ(hotCounts.wrong.load(), 0);
  EXPECT_EQ(hotCounts.other.load(), 0);
  EXPECT_GT(hotCounts.ok.load(), 0);
  EXPECT_EQ(coldCounts.server.load(), 0);
  EXPECT_EQ(coldCounts.other.load(), 0);
  // Nothing committed is lost: every host serves the outage's write (the
  // resubscribed backplane cleared the L1 copies it could not evict).
  for (int i = 0; i < cluster.size(); ++i) {
    EXPECT_EQ(cluster.get(i, writtenPath).json().value("title", ""), "during the outage") << "host " << i;
  }
  // Invalidation over the backplane works again.
  const Reply current = cluster.get(0, probePath);
  const Reply probed =
      HttpClient(cluster.port(0)).send("PATCH", probePath, R"({"title":"probe 1"})", {{"If-Match", current.etag}});
  ASSERT_EQ(probed.status, 200) << probed.body;
  const auto probedAt = Clock::now();
  double lastSeen = 0;
  for (int i = 1; i < cluster.size(); ++i) {
    HttpClient client(cluster.port(i));
    EXPECT_TRUE(eventually([&] { return client.get(probePath).json().value("title", "") == "probe 1"; }, std::chrono::seconds(2)))
        << "host " << i;
    lastSeen = std::max(lastSeen, msSince(probedAt));
  }
  report("redis_outage_ms", outageMs);
  report("redis_hot_reads", hotCounts.ok.load());
  report("redis_hot_reads_5xx", hotCounts.server.load());
  report("redis_cold_reads", coldCounts.ok.load());
  report("redis_cold_reads_5xx", coldCounts.server.load());
  report("redis_breakers_open_after_ms", openedMs);
  report("redis_breakers_closed_and_resubscribed_after_restart_ms", recoveredMs);
  report("redis_invalidation_after_restart_ms", lastSeen);
}

}  // namespace
}  // namespace wno::test::system
