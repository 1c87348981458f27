#include "cache/single_flight.h"

#include <condition_variable>

namespace wno::host {

struct SingleFlight::Flight {
  std::mutex mutex;
  std::condition_variable done;
  bool finished = false;
  int waiters = 0;  // under the owner's mutex
  Value value{Status(WNO_ERR_INTERNAL, "the computation of this key ended without a value")};
};

// The leader's hold on its key. Its destructor is what releases the key and
// wakes the joiners, so an exception or an early return cannot leave the key
// claimed (every later caller would join a flight that never lands).
class SingleFlight::Leadership {
 public:
  Leadership(SingleFlight& owner, const std::string& key, std::shared_ptr<Flight> flight)
      : owner_(owner), key_(key), flight_(std::move(flight)) {}
  Leadership(const Leadership&) = delete;
  Leadership& operator=(const Leadership&) = delete;

  void land(const Value& value) {
    std::lock_guard lock(flight_->mutex);
    flight_->value = value;
  }

  ~Leadership() {
    {
      std::lock_guard lock(owner_.mutex_);
      owner_.flights_.erase(key_);
    }
    {
      std::lock_guard lock(flight_->mutex);
      flight_->finished = true;
    }
    flight_->done.notify_all();
  }

 private:
  SingleFlight& owner_;
  const std::string& key_;
  std::shared_ptr<Flight> flight_;
};

SingleFlight::Outcome SingleFlight::run(const std::string& key, std::chrono::milliseconds joinWait,
                                        const std::function<Value()>& lead) {
  std::shared_ptr<Flight> flight;
  bool leader = false;
  {
    std::lock_guard lock(mutex_);
    auto [it, inserted] = flights_.try_emplace(key, nullptr);
    if (inserted) it->second = std::make_shared<Flight>();
    flight = it->second;
    leader = inserted;
    if (!leader) ++flight->waiters;
  }
  if (leader) {
    Leadership leadership(*this, key, flight);
    Value value = lead();
    leadership.land(value);
    return {std::move(value), Role::Led};
  }
  std::unique_lock lock(flight->mutex);
  const bool landed = flight->done.wait_for(lock, joinWait, [&] { return flight->finished; });
  lock.unlock();
  {
    std::lock_guard owner(mutex_);
    --flight->waiters;
  }
  if (!landed) {
    return {Status(WNO_ERR_TIMEOUT, "waited " + std::to_string(joinWait.count()) +
                                        " ms for another caller's computation of this key"),
            Role::JoinTimedOut};
  }
  // The leader wrote the value before it finished and never writes again.
  return {flight->value, Role::Joined};
}

size_t SingleFlight::inFlight() const {
  std::lock_guard lock(mutex_);
  return flights_.size();
}

size_t SingleFlight::waiting() const {
  std::lock_guard lock(mutex_);
  size_t n = 0;
  for (const auto& [key, flight] : flights_) n += static_cast<size_t>(flight->waiters);
  return n;
}

}  // namespace wno::host
