#include "health/probe_runner.h"

#include "core/logger.h"

#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

namespace wno::host {
namespace {
using Clock = std::chrono::steady_clock;
}

const char* healthName(wno_health status) {
  switch (status) {
    case WNO_HEALTH_UP: return "up";
    case WNO_HEALTH_DEGRADED: return "degraded";
    default: return "down";
  }
}

nlohmann::json ProbeSnapshot::toJson() const {
  nlohmann::json out = {{"name", name},        {"type", type},       {"required", required},
                        {"status", checked || timedOut ? healthName(status) : "unknown"},
                        {"message", message},  {"details", details}, {"latency_ms", latencyMs},
                        {"age_ms", ageMs}};
  out["load"] = load >= 0 ? nlohmann::json(load) : nlohmann::json(nullptr);
  if (timedOut) out["timed_out"] = true;
  if (circuitOpen) out["circuit"] = "open";
  return out;
}

// Shared with the probe thread so a hung check can outlive stop().
struct ProbeRunner::State {
  ProbeOptions options;
  std::unique_ptr<HealthProbeInstance> instance;
  mutable std::mutex mutex;
  std::condition_variable wake;
  bool stopping = false;
  bool finished = false;
  ProbeSnapshot last;
  Clock::time_point lastCompleted{};
  std::optional<Clock::time_point> runningSince;
  prometheus::Gauge* statusGauge = nullptr;
  prometheus::Histogram* durationHistogram = nullptr;
};

namespace {

const char* statusName(int status) {
  switch (status) {
    case WNO_HEALTH_UP: return "up";
    case WNO_HEALTH_DEGRADED: return "degraded";
    default: return "down";
  }
}

// One log line per change of a probe's status (and for a first result that
// is not up), so the log tells when a dependency went away and came back
// without anyone polling /health. Warn when it got worse, info when better.
void logTransition(const ProbeSnapshot& before, const ProbeSnapshot& after) {
  const bool first = !before.checked;
  if (first ? after.status == WNO_HEALTH_UP : before.status == after.status) return;
  nlohmann::json fields = {{"probe", after.name}, {"type", after.type}, {"required", after.required},
                           {"from", first ? "not checked" : statusName(before.status)},
                           {"to", statusName(after.status)}, {"message", after.message}};
  if (after.status > (first ? WNO_HEALTH_UP : before.status)) {
    logWarn("health", "probe state changed", fields);
  } else {
    logInfo("health", "probe state changed", fields);
  }
}

}  // namespace

ProbeRunner::ProbeRunner(std::unique_ptr<HealthProbeInstance> instance, ProbeOptions options, Metrics& metrics)
    : options_(std::move(options)), state_(std::make_shared<State>()) {
  state_->options = options_;
  state_->instance = std::move(instance);
  state_->last.name = options_.name;
  state_->last.type = state_->instance->type().name;
  state_->last.required = options_.required;
  state_->last.message = "not checked yet";
  state_->statusGauge = &prometheus::BuildGauge()
                             .Name("wno_probe_status")
                             .Help("Health probe status: 0 up, 1 degraded, 2 down")
                             .Register(metrics.registry())
                             .Add({{"probe", options_.name}});
  state_->durationHistogram = &prometheus::BuildHistogram()
                                   .Name("wno_probe_check_duration_seconds")
                                   .Help("Health probe check duration")
                                   .Register(metrics.registry())
                                   .Add({{"probe", options_.name}}, Metrics::latencyBuckets());
  state_->statusGauge->Set(WNO_HEALTH_DOWN);
  // Alert rules page on a down probe only when it gates readiness
  // (deploy/prometheus: WnoRequiredProbeDown joins on this).
  prometheus::BuildGauge()
      .Name("wno_probe_required")
      .Help("1 when the probe is required (gates /readyz), else 0")
      .Register(metrics.registry())
      .Add({{"probe", options_.name}})
      .Set(options_.required ? 1 : 0);
}

ProbeRunner::~ProbeRunner() { stop(); }

void ProbeRunner::start() {
  thread_ = std::thread([state = state_] { loop(state); });
}

void ProbeRunner::loop(std::shared_ptr<State> state) {
  for (;;) {
    {
      std::lock_guard lock(state->mutex);
      if (state->stopping) break;
      state->runningSince = Clock::now();
    }
    CircuitBreaker* breaker = state->options.breaker.get();
    BreakerPermit permit;
    if (breaker && !(permit = breaker->allow())) {
      std::unique_lock lock(state->mutex);
      state->runningSince.reset();
      // Keep the last real result's details and age; say why it is not fresh.
      ProbeSnapshot& last = state->last;
      if (last.status != WNO_HEALTH_DOWN) {
        ProbeSnapshot skipped = last;
        skipped.status = WNO_HEALTH_DOWN;
        skipped.message = "circuit open";
        logTransition(last, skipped);
      }
      if (!last.circuitOpen) last.message = "circuit open after repeated failures (last: " + last.message + ")";
      last.status = WNO_HEALTH_DOWN;
      last.circuitOpen = true;
      state->statusGauge->Set(WNO_HEALTH_DOWN);
      state->wake.wait_for(lock, state->options.interval, [&] { return state->stopping; });
      if (state->stopping) break;
      continue;
    }
    ProbeSnapshot result = checkOnce(*state);
    if (breaker) {
      // A check slower than its timeout already showed as down to readers.
      const bool failed = result.status == WNO_HEALTH_DOWN ||
                          result.latencyMs > static_cast<double>(state->options.timeout.count());
      failed ? breaker->onFailure(permit) : breaker->onSuccess(permit);
      // The failure that trips the breaker already says so: readers need not
      // wait an interval to learn that the next checks are skipped.
      if (failed && breaker->state() == BreakerState::Open) {
        result.circuitOpen = true;
        result.message = "circuit open after repeated failures (last: " + result.message + ")";
      }
    }
    {
      std::unique_lock lock(state->mutex);
      state->runningSince.reset();
      logTransition(state->last, result);
      state->last = std::move(result);
      state->lastCompleted = Clock::now();
      state->statusGauge->Set(state->last.status);
      state->wake.wait_for(lock, state->options.interval, [&] { return state->stopping; });
      if (state->stopping) break;
    }
  }
  std::lock_guard lock(state->mutex);
  state->finished = true;
  state->wake.notify_all();
}

ProbeSnapshot ProbeRunner::checkOnce(State& state) {
  ProbeSnapshot result;
  result.name = state.options.name;
  result.type = state.instance->type().name;
  result.required = state.options.required;
  result.checked = true;
  const auto started = Clock::now();
  wno_probe_sink sink{&result, [](void* ctx, const wno_probe_report* report) {
                        auto* out = static_cast<ProbeSnapshot*>(ctx);
                        if (report == nullptr) return;
                        out->status = report->status;
                        out->load = report->load;
                        if (report->message.data) out->message.assign(report->message.data, report->message.len);
                        if (report->details_json.data && report->details_json.len > 0) {
                          out->details = nlohmann::json::parse(
                              std::string(report->details_json.data, report->details_json.len), nullptr, false);
                          if (out->details.is_discarded()) out->details = {{"raw", "unparseable details_json"}};
                        }
                      }};
  Status status = state.instance->call("on_check", state.instance->vtable().on_check,
                                         static_cast<int64_t>(state.options.timeout.count()), &sink);
  result.latencyMs = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
  state.durationHistogram->Observe(result.latencyMs / 1000.0);
  if (!status.isOk()) {
    result.status = WNO_HEALTH_DOWN;
    result.message = status.message();
  } else if (result.status < WNO_HEALTH_UP || result.status > WNO_HEALTH_DOWN) {
    result.status = WNO_HEALTH_DOWN;
    result.message = "probe reported an unknown status";
  }
  if (result.load > 1) result.load = 1;
  return result;
}

void ProbeRunner::stop() {
  if (!thread_.joinable()) return;
  std::unique_lock lock(state_->mutex);
  state_->stopping = true;
  state_->wake.notify_all();
  const bool done = state_->wake.wait_for(lock, options_.timeout + std::chrono::milliseconds(500),
                                          [&] { return state_->finished; });
  lock.unlock();
  if (done) {
    thread_.join();
  } else {
    // The plugin ignores its timeout. Leave the thread to finish on its own:
    // it co-owns the instance, so nothing it uses is freed under it.
    logWarn("health", "probe still running at shutdown; abandoning it", {{"probe", options_.name}});
    thread_.detach();
  }
}

ProbeSnapshot ProbeRunner::snapshot() const {
  std::lock_guard lock(state_->mutex);
  ProbeSnapshot out = state_->last;
  const auto now = Clock::now();
  if (out.checked) {
    out.ageMs = std::chrono::duration_cast<std::chrono::milliseconds>(now - state_->lastCompleted).count();
  }
  if (state_->runningSince && now - *state_->runningSince > options_.timeout) {
    out.timedOut = true;
    out.status = WNO_HEALTH_DOWN;
    out.message = "check timed out after " + std::to_string(options_.timeout.count()) + " ms (still running)";
  }
  return out;
}

}  // namespace wno::host
