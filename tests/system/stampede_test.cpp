// Stampede control across hosts: 64 clients per host ask the three hosts
// for the same cold entity at the same moment. Local single-flight alone
// loads it from PostgreSQL once per host; with distributed single-flight
// (a lease on the key in Redis) it is loaded once in all, and the other
// hosts serve the value the first one stored in Redis.
#include "cluster.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace wno::test::system {
namespace {

using nlohmann::json;

constexpr int kColdKeys = 5;
constexpr int kClientsPerHost = 64;

// get-or-compute runs, summed over every region of every host.
int computes(Cluster& cluster) {
  int total = 0;
  for (int i = 0; i < cluster.size(); ++i) {
    const json stats = cluster.get(i, "/admin/cache/stats").json();
    if (!stats.is_object() || !stats.contains("regions")) throw std::runtime_error("no cache stats from host " + std::to_string(i));
    for (const auto& region : stats["regions"]) total += region.value("computes", 0);
  }
  return total;
}

struct Stampede {
  double computesPerKey = 0;
  int failures = 0;
};

// Creates kColdKeys battles, then for each releases every client at once on
// its GET; the computes counted are the loads of those cold keys.
Stampede stampede(Cluster& cluster) {
  std::vector<std::string> paths;
  for (int k = 0; k < kColdKeys; ++k) {
    const Reply created = cluster.post(0, "/api/v1/battles", {{"title", "cold " + std::to_string(k)}});
    if (created.status != 201) throw std::runtime_error("create: " + created.body);
    paths.push_back("/api/v1/battles/" + created.json()["id"].dump());
  }
  std::vector<std::unique_ptr<HttpClient>> clients;
  for (int i = 0; i < cluster.size(); ++i) {
    for (int c = 0; c < kClientsPerHost; ++c) clients.push_back(std::make_unique<HttpClient>(cluster.port(i)));
  }
  for (auto& client : clients) client->get("/livez");  // connected before the race
  const int before = computes(cluster);
  std::atomic<int> failures{0};
  for (const auto& path : paths) {
    std::atomic<bool> go{false};
    std::vector<std::thread> readers;
    for (auto& client : clients) {
      readers.emplace_back([&, c = client.get()] {
        while (!go.load()) std::this_thread::yield();
        if (c->get(path).status != 200) ++failures;
      });
    }
    go = true;
    for (auto& t : readers) t.join();
  }
  return {static_cast<double>(computes(cluster) - before) / kColdKeys, failures.load()};
}

TEST(ScaleOut, DistributedSingleFlightLoadsAColdKeyOnceForThreeHosts) {
  Cluster cluster;
  // Generous Redis bounds: a lease call past its timeout makes its host
  // load the key without a lease (correct, but not the behaviour counted).
  auto overlay = [&](bool distributed) {
    return json{{"cache",
                 {{"single_flight", {{"distributed", {{"enabled", distributed}}}}},
                  {"levels",
                   {{{"name", "l1"}, {"backend", "memory"}},
                    {{"name", "l2"},
                     {"backend", "redis"},
                     {"timeout_ms", 2000},
                     {"config", {{"url", cluster.redis().url()}, {"timeout_ms", 2000}}}}}}}}};
  };
  cluster.startAll(overlay(false));
  const Stampede local = stampede(cluster);
  for (int i = 0; i < cluster.size(); ++i) ASSERT_EQ(cluster.terminate(i), 0);
  cluster.startAll(overlay(true));
  const Stampede shared = stampede(cluster);

  report("computes_per_cold_key_local_single_flight", local.computesPerKey);
  report("computes_per_cold_key_distributed_single_flight", shared.computesPerKey);
  EXPECT_EQ(local.failures, 0);
  EXPECT_EQ(shared.failures, 0);
  EXPECT_EQ(shared.computesPerKey, 1.0) << "3 hosts x " << kClientsPerHost << " clients on one cold key";
  EXPECT_GE(local.computesPerKey, 1.0);
}

}  // namespace
}  // namespace wno::test::system
