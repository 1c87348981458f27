#include "health/load_factor.h"

#include "common/clock.h"

#include <prometheus/gauge.h>

#include <algorithm>

namespace wno::host {
namespace {

double clamp01(double v) { return std::clamp(v, 0.0, 1.0); }

}  // namespace

LoadFactor::LoadFactor(LoadFactorOptions options, std::vector<LoadSignal> signals, HostServices& services)
    : options_(std::move(options)), signals_(std::move(signals)), services_(services) {
  options_.smoothing = std::clamp(options_.smoothing, 0.01, 1.0);
  gauge_ = &prometheus::BuildGauge()
                .Name("wno_load_factor")
                .Help("Smoothed composite load factor, 0 idle .. 1 saturated")
                .Register(services_.metrics().registry())
                .Add({});
  if (options_.fixed) services_.setLoadFactor(clamp01(*options_.fixed));
}

LoadFactor::~LoadFactor() { stop(); }

double LoadFactor::composite(const std::vector<std::pair<double, double>>& valueAndWeight) {
  double sum = 0, weights = 0;
  for (const auto& [value, weight] : valueAndWeight) {
    if (weight <= 0) continue;
    sum += clamp01(value) * weight;
    weights += weight;
  }
  return weights > 0 ? sum / weights : 0.0;
}

LoadSample LoadFactor::sampleOnce() {
  LoadSample sample;
  sample.atMs = common::unixNowMs();
  std::vector<std::pair<double, double>> readings;
  for (const auto& signal : signals_) {
    std::optional<double> value;
    try {
      value = signal.read();
    } catch (...) {
      // A broken signal source must not stop load accounting; it is skipped.
    }
    if (!value) continue;
    sample.signals[signal.name] = clamp01(*value);
    readings.emplace_back(*value, signal.weight);
  }
  sample.raw = composite(readings);
  std::lock_guard lock(mutex_);
  smoothed_ = haveSample_ ? options_.smoothing * sample.raw + (1 - options_.smoothing) * smoothed_ : sample.raw;
  haveSample_ = true;
  sample.value = options_.fixed ? clamp01(*options_.fixed) : smoothed_;
  services_.setLoadFactor(sample.value);
  gauge_->Set(sample.value);
  latest_ = sample;
  history_.push_back(sample);
  while (history_.size() > options_.historySize) history_.pop_front();
  return sample;
}

void LoadFactor::start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      lock.unlock();
      sampleOnce();
      lock.lock();
      wake_.wait_for(lock, options_.interval, [&] { return stopping_; });
    }
  });
}

void LoadFactor::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

LoadSample LoadFactor::latest() const {
  std::lock_guard lock(mutex_);
  return latest_;
}

std::vector<LoadSample> LoadFactor::history() const {
  std::lock_guard lock(mutex_);
  return {history_.begin(), history_.end()};
}

nlohmann::json LoadFactor::toJson() const {
  LoadSample s = latest();
  nlohmann::json signals = nlohmann::json::object();
  for (const auto& signal : signals_) {
    auto it = s.signals.find(signal.name);
    signals[signal.name] = {{"weight", signal.weight},
                            {"value", it == s.signals.end() ? nlohmann::json(nullptr) : nlohmann::json(it->second)}};
  }
  nlohmann::json out = {{"value", s.value}, {"raw", s.raw}, {"sampled_at_ms", s.atMs}, {"signals", signals}};
  if (options_.fixed) out["fixed"] = *options_.fixed;
  return out;
}

}  // namespace wno::host
