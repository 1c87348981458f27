// Cache coherence across hosts through the Redis backplane: a PATCH on one
// host evicts the entity from the other hosts' L1 (where a 10-minute TTL
// would otherwise keep the old version), and they serve the new version
// within 100 ms of the PATCH's response.
#include "cluster.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

namespace wno::test::system {
namespace {

using nlohmann::json;

TEST(ScaleOut, AWriteOnOneHostReachesTheOtherHostsL1Within100ms) {
  Cluster cluster;
  cluster.startAll();
  const Reply created = cluster.post(0, "/api/v1/battles", {{"title", "round 0"}});
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string path = "/api/v1/battles/" + created.json()["id"].dump();

  // One keep-alive client per host, as a load balancer holds them.
  std::vector<std::unique_ptr<HttpClient>> clients;
  for (int i = 0; i < cluster.size(); ++i) clients.push_back(std::make_unique<HttpClient>(cluster.port(i)));
  std::vector<uint64_t> receivedBefore;
  for (int i = 0; i < cluster.size(); ++i) receivedBefore.push_back(cluster.l2Stats(i)["backplane_received"]);

  constexpr int kRounds = 30;
  std::vector<double> latencies;
  std::string etag = created.etag;
  for (int round = 1; round <= kRounds; ++round) {
    const int writer = round % cluster.size();
    std::vector<int> readers;
    for (int i = 0; i < cluster.size(); ++i) {
      if (i != writer) readers.push_back(i);
    }
    // Every reader holds the current version in its L1 (a read-through
    // fills it; the second read is served from it).
    for (int r : readers) {
      for (int k = 0; k < 2; ++k) {
        const Reply read = clients[r]->get(path);
        ASSERT_EQ(read.status, 200) << read.body << read.error;
        ASSERT_EQ(read.etag, etag);
      }
    }
    const std::string title = "round " + std::to_string(round);
    std::atomic<bool> go{false};
    Clock::time_point patchedAt;
    std::vector<double> seenAfter(readers.size(), -1);
    std::vector<std::thread> pollers;
    for (size_t k = 0; k < readers.size(); ++k) {
      pollers.emplace_back([&, k] {
        while (!go.load()) std::this_thread::yield();
        const auto give_up = patchedAt + std::chrono::seconds(5);
        while (Clock::now() < give_up) {
          const Reply read = clients[readers[k]]->get(path);
          if (read.status == 200 && read.json().value("title", "") == title) {
            seenAfter[k] = msSince(patchedAt);
            return;
          }
        }
      });
    }
    const Reply patched = clients[writer]->send("PATCH", path, json{{"title", title}}.dump(), {{"If-Match", etag}});
    patchedAt = Clock::now();
    go = true;
    for (auto& t : pollers) t.join();
    ASSERT_EQ(patched.status, 200) << patched.body;
    etag = patched.etag;
    for (size_t k = 0; k < readers.size(); ++k) {
      EXPECT_GE(seenAfter[k], 0) << "host " << readers[k] << " never served round " << round;
      EXPECT_LE(seenAfter[k], 100.0) << "host " << readers[k] << " served round " << round << " late";
      latencies.push_back(seenAfter[k]);
    }
  }
  // The evictions came over the backplane (not from a TTL or a miss).
  for (int i = 0; i < cluster.size(); ++i) {
    EXPECT_GE(cluster.l2Stats(i)["backplane_received"].get<uint64_t>(), receivedBefore[i] + kRounds * 2 / 3)
        << "host " << i;
  }
  std::sort(latencies.begin(), latencies.end());
  report("invalidation_reads", static_cast<double>(latencies.size()));
  report("invalidation_p50_ms", latencies[latencies.size() / 2]);
  report("invalidation_max_ms", latencies.back());
}

}  // namespace
}  // namespace wno::test::system
