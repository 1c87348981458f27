#include "cache/distributed_flight.h"

#include "common/clock.h"

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>

namespace wno::host {
namespace {

// A fencing value no other holder shares: a lease that lapsed and was taken
// by another host must not be released by the first holder's unlock.
std::string newToken() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token(32, '0');
  for (size_t i = 0; i < token.size(); i += 16) {
    uint64_t bits = random();
    for (size_t j = 0; j < 16; ++j, bits >>= 4) token[i + j] = kHex[bits & 0xf];
  }
  return token;
}

// Releases the lease however the computation ends (a value, an error, an
// exception): a lease left behind would make every other host wait out
// its lapse.
class HeldLease {
 public:
  HeldLease(const SharedLease& shared, const std::string& name, const std::string& token)
      : shared_(shared), name_(name), token_(token) {}
  HeldLease(const HeldLease&) = delete;
  HeldLease& operator=(const HeldLease&) = delete;
  ~HeldLease() {
    try {
      shared_.unlock(name_, token_);
    } catch (...) {
      // Best effort: the lease lapses on its own.
    }
  }

 private:
  const SharedLease& shared_;
  const std::string& name_;
  const std::string& token_;
};

}  // namespace

DistributedFlight::Outcome DistributedFlight::run(const std::string& key, const SharedLease& shared,
                                                  const std::function<Result<std::string>()>& computeAndStore) const {
  const std::string name = leaseName(key);
  const std::string token = newToken();
  const int64_t giveUpAt = common::steadyNowMs() + options_.waitMs;
  bool waited = false;
  for (;;) {
    Result<bool> taken = shared.tryLock(name, token, options_.leaseMs);
    if (!taken.isOk()) return {computeAndStore(), Source::Computed, waited, false};
    if (taken.value()) {
      HeldLease held(shared, name, token);
      // A holder writes its value before it releases the lease, so a host
      // that takes the lease just after (its own miss was earlier) finds
      // the value here and need not compute it again.
      if (auto found = shared.findShared()) return {std::move(*found), Source::FoundShared, waited, false};
      return {computeAndStore(), Source::Computed, waited, false};
    }
    waited = true;
    const int64_t now = common::steadyNowMs();
    if (now >= giveUpAt) return {computeAndStore(), Source::Computed, waited, true};
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(options_.pollMs, giveUpAt - now)));
    if (auto found = shared.findShared()) return {std::move(*found), Source::FoundShared, waited, false};
  }
}

}  // namespace wno::host
