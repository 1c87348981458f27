// The composite load factor: a weighted mean of 0..1 signals (probe loads,
// HTTP in-flight saturation, job backlog, ...), smoothed with an EWMA and
// sampled on an interval by its own thread. Publishes into HostServices and
// keeps a ring buffer of samples for /health/history.
#pragma once

#include "services/host_services.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace wno::host {

// A named source of a 0..1 reading; nullopt when it has nothing to say now
// (e.g. a probe not checked yet). Its weight is then shared among the rest.
struct LoadSignal {
  std::string name;
  double weight = 1.0;
  std::function<std::optional<double>()> read;
};

struct LoadSample {
  int64_t atMs = 0;
  double value = 0;                       // smoothed composite
  double raw = 0;                         // composite before smoothing
  std::map<std::string, double> signals;  // each signal's reading
};

struct LoadFactorOptions {
  std::chrono::milliseconds interval{1000};
  double smoothing = 0.3;  // EWMA weight of the newest sample, (0, 1]
  size_t historySize = 3600;
  std::optional<double> fixed;  // pins the load (tests, drills); signals still sampled
};

class LoadFactor {
 public:
  LoadFactor(LoadFactorOptions options, std::vector<LoadSignal> signals, HostServices& services);
  ~LoadFactor();

  void start();
  void stop();
  // Takes one sample now (the thread calls this every interval).
  LoadSample sampleOnce();

  LoadSample latest() const;
  std::vector<LoadSample> history() const;
  nlohmann::json toJson() const;  // {"value","raw","signals":{name:{value,weight}}}

  // Pure composite of readings: weighted mean over the signals that have a
  // value; 0 when none has.
  static double composite(const std::vector<std::pair<double, double>>& valueAndWeight);

 private:
  LoadFactorOptions options_;
  std::vector<LoadSignal> signals_;
  HostServices& services_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool haveSample_ = false;
  double smoothed_ = 0;
  LoadSample latest_;
  std::deque<LoadSample> history_;
  std::thread thread_;
  prometheus::Gauge* gauge_ = nullptr;
};

}  // namespace wno::host
