#include "connect_witness.h"

#include <pqxx/pqxx>

#include <algorithm>

namespace wno::test::system {

namespace {
// Long enough to see a stalled backend through; the witness is not what
// the test waits on.
constexpr const char* kWitnessParams = "connect_timeout=30&application_name=wno-test-witness";
constexpr auto kBetweenAttempts = std::chrono::milliseconds(100);
}  // namespace

ConnectWitness::ConnectWitness(std::string url, std::chrono::milliseconds prompt)
    : url_(std::move(url)), prompt_(prompt), started_(Clock::now()), notPromptUntil_(started_) {
  url_ += (url_.find('?') == std::string::npos ? "?" : "&") + std::string(kWitnessParams);
  thread_ = std::thread([this] { run(); });
}

ConnectWitness::~ConnectWitness() {
  stop_ = true;
  thread_.join();
}

void ConnectWitness::run() {
  while (!stop_) {
    const auto begun = Clock::now();
    {
      std::lock_guard lock(mutex_);
      attemptStarted_ = begun;
      attemptInFlight_ = true;
    }
    bool served = false;
    try {
      pqxx::connection c(url_);
      pqxx::nontransaction(c).exec("SELECT 1");
      served = true;
    } catch (const std::exception&) {
      // Refused, still starting up, or shutting down: not serving.
    }
    const auto ended = Clock::now();
    {
      std::lock_guard lock(mutex_);
      attemptInFlight_ = false;
      ++attempts_;
      const double ms = std::chrono::duration<double, std::milli>(ended - begun).count();
      if (served && ms > slowestMs_) slowestMs_ = ms;
      if (!served || ended - begun > prompt_) notPromptUntil_ = ended;
    }
    std::this_thread::sleep_for(kBetweenAttempts);
  }
}

ConnectWitness::Clock::time_point ConnectWitness::notPromptUntil() const {
  std::lock_guard lock(mutex_);
  const auto now = Clock::now();
  if (attemptInFlight_ && now - attemptStarted_ > prompt_) return now;
  return notPromptUntil_;
}

double ConnectWitness::slowestConnectMs() const {
  std::lock_guard lock(mutex_);
  // An attempt still waiting counts for as long as it has waited so far.
  const double waiting =
      attemptInFlight_ ? std::chrono::duration<double, std::milli>(Clock::now() - attemptStarted_).count() : 0.0;
  return std::max(slowestMs_, waiting);
}

int ConnectWitness::attempts() const {
  std::lock_guard lock(mutex_);
  return attempts_;
}

}  // namespace wno::test::system
