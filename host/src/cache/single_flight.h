// Single-flight per key: while one caller (the leader) computes a key, the
// other callers of that key (joiners) wait for the leader's result instead
// of computing it again. However the leader ends (a result, an exception),
// the key is released and its joiners are answered; a joiner waits at most
// a bound, so one stuck computation cannot park every caller of its key.
#pragma once

#include "core/status.h"

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace wno::host {

class SingleFlight {
 public:
  using Value = Result<std::string>;

  enum class Role { Led, Joined, JoinTimedOut };
  struct Outcome {
    Value value;
    Role role;
  };

  // Leads the key's computation with `lead`, or joins the one in flight and
  // waits up to `joinWait` for its value. A joiner that gives up gets
  // WNO_ERR_TIMEOUT (role JoinTimedOut); the leader carries on. An exception
  // out of `lead` reaches this caller; its joiners get WNO_ERR_INTERNAL.
  Outcome run(const std::string& key, std::chrono::milliseconds joinWait, const std::function<Value()>& lead);

  // Keys being computed now, and the callers waiting for them.
  size_t inFlight() const;
  size_t waiting() const;

 private:
  struct Flight;
  class Leadership;

  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<Flight>> flights_;
};

}  // namespace wno::host
