// Single-flight across hosts. The local SingleFlight makes one caller per
// host compute a missing key; with N hosts behind a load balancer a popular
// key that expires is still computed N times. DistributedFlight lets the
// host computing it hold a short lease on the key in the shared level (L2):
// the other hosts' leaders find the lease taken and poll the shared level
// for the value instead. A waiting host computes itself when the holder's
// lease lapses (the holder died or hung) or when its own bound passes, so a
// lost lease costs one extra computation, never a stuck caller.
// THREADS: run() may be called concurrently; it blocks (polling sleeps), so
// it belongs on a worker thread, as every get-or-compute does.
#pragma once

#include "core/status.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace wno::host {

struct DistributedFlightOptions {
  bool enabled = false;
  // How long a holder keeps the key before another host may take over.
  int64_t leaseMs = 5000;
  // How often a waiting host looks in the shared level for the value.
  int64_t pollMs = 20;
  // The most a waiting host waits for another host's value before it
  // computes the key itself.
  int64_t waitMs = 5000;
};

// The shared level's side, as the cache service runs it (through the
// level's breaker and deadline).
struct SharedLease {
  // True when this call took the lease `name` for `leaseMs`, holding `token`;
  // false when another holder has it; an error when the level cannot say.
  std::function<Result<bool>(const std::string& name, const std::string& token, int64_t leaseMs)> tryLock;
  // Releases the lease if it still holds `token`; best effort.
  std::function<void(const std::string& name, const std::string& token)> unlock;
  // A fresh value of the key in the shared level, if there is one.
  std::function<std::optional<std::string>()> findShared;
};

class DistributedFlight {
 public:
  enum class Source {
    Computed,        // this host computed (holding the lease, or without one)
    FoundShared,     // another host's value, read from the shared level
  };
  struct Outcome {
    Result<std::string> value;
    Source source;
    bool waited;      // this host waited for another host's lease
    bool waitedOut;   // ... and computed itself when the wait bound passed
  };

  explicit DistributedFlight(DistributedFlightOptions options) : options_(options) {}

  // Computes `key` once across hosts. `computeAndStore` computes the value
  // and writes it to the shared level; it runs while this host holds the
  // lease, so hosts that wait find the value once the lease is released.
  // A shared level that cannot lock (an error, a breaker open) makes this
  // host compute without a lease: never worse than no distributed flight.
  Outcome run(const std::string& key, const SharedLease& shared,
              const std::function<Result<std::string>()>& computeAndStore) const;

  const DistributedFlightOptions& options() const { return options_; }

  // The lease's name for a cache key (kept apart from value keys).
  static std::string leaseName(const std::string& key) { return "sf:" + key; }

 private:
  DistributedFlightOptions options_;
};

}  // namespace wno::host
