// DistributedFlight over an in-memory stand-in for the shared level (the
// same lease rules as the redis backend's): one host computes, the others
// read its value; a lapsed or unreachable lease never strands a caller.
#include "cache/distributed_flight.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace wno::host {
namespace {

// What several hosts share: leases with expiry and fencing, and values.
class FakeSharedLevel {
 public:
  SharedLease lease(const std::string& key) {
    SharedLease l;
    l.tryLock = [this](const std::string& name, const std::string& token, int64_t leaseMs) -> Result<bool> {
      std::lock_guard lock(mutex_);
      if (unreachable) return Status(WNO_ERR_UNAVAILABLE, "shared level down");
      auto it = leases_.find(name);
      const auto now = std::chrono::steady_clock::now();
      if (it != leases_.end() && it->second.until > now) return false;
      leases_[name] = {token, now + std::chrono::milliseconds(leaseMs)};
      ++taken;
      return true;
    };
    l.unlock = [this](const std::string& name, const std::string& token) {
      std::lock_guard lock(mutex_);
      auto it = leases_.find(name);
      if (it != leases_.end() && it->second.token == token) leases_.erase(it);
    };
    l.findShared = [this, key]() -> std::optional<std::string> {
      std::lock_guard lock(mutex_);
      auto it = values_.find(key);
      if (it == values_.end()) return std::nullopt;
      return it->second;
    };
    return l;
  }
  void store(const std::string& key, const std::string& value) {
    std::lock_guard lock(mutex_);
    values_[key] = value;
  }
  // A holder that took the lease and then died (never releases it).
  void holdAsDeadHost(const std::string& key, int64_t leaseMs) {
    std::lock_guard lock(mutex_);
    leases_[DistributedFlight::leaseName(key)] = {"dead", std::chrono::steady_clock::now() + std::chrono::milliseconds(leaseMs)};
  }
  bool leased(const std::string& key) {
    std::lock_guard lock(mutex_);
    auto it = leases_.find(DistributedFlight::leaseName(key));
    return it != leases_.end() && it->second.until > std::chrono::steady_clock::now();
  }

  std::atomic<bool> unreachable{false};
  std::atomic<int> taken{0};

 private:
  struct Held {
    std::string token;
    std::chrono::steady_clock::time_point until;
  };
  std::mutex mutex_;
  std::map<std::string, Held> leases_;
  std::map<std::string, std::string> values_;
};

DistributedFlightOptions options(int64_t leaseMs = 5000, int64_t waitMs = 5000) {
  DistributedFlightOptions o;
  o.enabled = true;
  o.leaseMs = leaseMs;
  o.pollMs = 2;
  o.waitMs = waitMs;
  return o;
}

TEST(DistributedFlight, HostsRacingForAColdKeyComputeItOnce) {
  FakeSharedLevel shared;
  const DistributedFlight flight(options());
  std::atomic<int> computes{0};
  std::vector<std::thread> hosts;
  std::vector<std::string> seen(8);
  std::vector<DistributedFlight::Source> sources(8);
  for (size_t h = 0; h < seen.size(); ++h) {
    hosts.emplace_back([&, h] {
      auto outcome = flight.run("k", shared.lease("k"), [&]() -> Result<std::string> {
        ++computes;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        shared.store("k", "v");
        return std::string("v");
      });
      seen[h] = outcome.value.isOk() ? outcome.value.value() : outcome.value.status().message();
      sources[h] = outcome.source;
    });
  }
  for (auto& t : hosts) t.join();
  EXPECT_EQ(computes.load(), 1);
  for (const auto& v : seen) EXPECT_EQ(v, "v");
  EXPECT_EQ(std::count(sources.begin(), sources.end(), DistributedFlight::Source::Computed), 1);
  EXPECT_FALSE(shared.leased("k")) << "the holder releases its lease once the value is stored";
}

TEST(DistributedFlight, AValueStoredJustBeforeTheLeaseIsTakenIsNotComputedAgain) {
  FakeSharedLevel shared;
  shared.store("k", "theirs");  // another host finished after this host's own miss
  int computes = 0;
  auto outcome = DistributedFlight(options()).run("k", shared.lease("k"), [&]() -> Result<std::string> {
    ++computes;
    return std::string("mine");
  });
  EXPECT_EQ(computes, 0);
  EXPECT_EQ(outcome.value.value(), "theirs");
  EXPECT_EQ(outcome.source, DistributedFlight::Source::FoundShared);
}

TEST(DistributedFlight, AHolderThatDiedIsTakenOverWhenItsLeaseLapses) {
  FakeSharedLevel shared;
  shared.holdAsDeadHost("k", 100);
  int computes = 0;
  auto outcome = DistributedFlight(options()).run("k", shared.lease("k"), [&]() -> Result<std::string> {
    ++computes;
    return std::string("v");
  });
  EXPECT_EQ(computes, 1);
  EXPECT_EQ(outcome.value.value(), "v");
  EXPECT_TRUE(outcome.waited);
  EXPECT_FALSE(outcome.waitedOut);
  EXPECT_EQ(outcome.source, DistributedFlight::Source::Computed);
}

TEST(DistributedFlight, AWaiterComputesItselfOnceItsBoundPasses) {
  FakeSharedLevel shared;
  shared.holdAsDeadHost("k", 60000);
  auto outcome = DistributedFlight(options(5000, 30)).run("k", shared.lease("k"),
                                                          []() -> Result<std::string> { return std::string("v"); });
  EXPECT_EQ(outcome.value.value(), "v");
  EXPECT_TRUE(outcome.waitedOut);
}

TEST(DistributedFlight, AnUnreachableSharedLevelMeansComputingLocally) {
  FakeSharedLevel shared;
  shared.unreachable = true;
  int computes = 0;
  auto outcome = DistributedFlight(options()).run("k", shared.lease("k"), [&]() -> Result<std::string> {
    ++computes;
    return std::string("v");
  });
  EXPECT_EQ(computes, 1);
  EXPECT_EQ(outcome.value.value(), "v");
  EXPECT_FALSE(outcome.waited);
}

TEST(DistributedFlight, TheLeaseIsReleasedWhenTheComputationFailsOrThrows) {
  FakeSharedLevel shared;
  const DistributedFlight flight(options());
  auto failed = flight.run("k", shared.lease("k"),
                           []() -> Result<std::string> { return Status(WNO_ERR_UNAVAILABLE, "database down"); });
  EXPECT_EQ(failed.value.status().code(), WNO_ERR_UNAVAILABLE);
  EXPECT_FALSE(shared.leased("k"));
  EXPECT_THROW(flight.run("k", shared.lease("k"), []() -> Result<std::string> { throw std::runtime_error("boom"); }),
               std::runtime_error);
  EXPECT_FALSE(shared.leased("k")) << "a thrown computation must not leave other hosts waiting out the lease";
  EXPECT_EQ(shared.taken.load(), 2);
}

}  // namespace
}  // namespace wno::host
