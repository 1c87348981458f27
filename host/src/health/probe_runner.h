// Runs one health probe on its own thread, every interval, and keeps the
// latest result. Readers never wait on a probe: a check still running past
// its timeout is reported as DOWN ("timed out") while it keeps running, and
// the instance stays alive until the plugin's call returns. With a breaker,
// a probe that keeps failing (down, or slower than its timeout) is not
// called while the breaker is open: the dependency it checks (a URL, a
// database) gets a rest and the probe thread is not tied up in timeouts.
#pragma once

#include "plugins/component_instance.h"
#include "protection/circuit_breaker.h"
#include "metrics/metrics.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace wno::host {

struct ProbeOptions {
  std::string name;
  std::chrono::milliseconds interval{5000};
  std::chrono::milliseconds timeout{2000};
  bool required = false;
  std::shared_ptr<CircuitBreaker> breaker;  // optional
};

struct ProbeSnapshot {
  std::string name;
  std::string type;
  bool required = false;
  bool checked = false;  // false until the first check completed
  wno_health status = WNO_HEALTH_DOWN;
  double load = -1;  // < 0: no load signal
  std::string message;
  nlohmann::json details = nlohmann::json::object();
  double latencyMs = 0;
  int64_t ageMs = -1;  // since the last completed check
  bool timedOut = false;
  bool circuitOpen = false;  // the last check was skipped by the breaker

  nlohmann::json toJson() const;
};

const char* healthName(wno_health status);

class ProbeRunner {
 public:
  ProbeRunner(std::unique_ptr<HealthProbeInstance> instance, ProbeOptions options, Metrics& metrics);
  ~ProbeRunner();

  void start();
  // Stops the loop; waits for a running check at most its timeout.
  void stop();
  ProbeSnapshot snapshot() const;
  const ProbeOptions& options() const { return options_; }

 private:
  struct State;
  // Static: a detached probe thread must not touch the runner, only State.
  static void loop(std::shared_ptr<State> state);
  static ProbeSnapshot checkOnce(State& state);

  ProbeOptions options_;
  std::shared_ptr<State> state_;
  std::thread thread_;
};

}  // namespace wno::host
