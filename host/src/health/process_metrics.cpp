#include "health/process_metrics.h"

#include "health/process_resources.h"
#include "metrics/metrics.h"

#include <wno/common.h>

#include <prometheus/gauge.h>

#include <chrono>

namespace wno::host {

ProcessMetrics::ProcessMetrics(Metrics& metrics) {
  auto& registry = metrics.registry();
  prometheus::BuildGauge()
      .Name("wno_build_info")
      .Help("The running host's version and plugin ABI; always 1")
      .Register(registry)
      .Add({{"version", WNO_HOST_VERSION},
            {"abi", std::to_string(WNO_ABI_VERSION_MAJOR) + "." + std::to_string(WNO_ABI_VERSION_MINOR)}})
      .Set(1);
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  prometheus::BuildGauge()
      .Name("wno_process_start_time_seconds")
      .Help("When this host process started, Unix seconds")
      .Register(registry)
      .Add({})
      .Set(now);
  rss_ = &prometheus::BuildGauge().Name("wno_process_resident_memory_bytes").Help("Resident memory of the host process")
              .Register(registry).Add({});
  threads_ = &prometheus::BuildGauge().Name("wno_process_threads").Help("Threads of the host process")
                  .Register(registry).Add({});
  openFds_ = &prometheus::BuildGauge().Name("wno_process_open_fds").Help("Open file descriptors of the host process")
                  .Register(registry).Add({});
  cpuSeconds_ = &prometheus::BuildGauge().Name("wno_process_cpu_seconds").Help("User and system CPU time of the host process")
                     .Register(registry).Add({});
}

void ProcessMetrics::refresh() {
  const nlohmann::json r = processResources();
  auto set = [&](prometheus::Gauge* g, const char* key) {
    if (r.contains(key) && r[key].is_number()) g->Set(r[key].get<double>());
  };
  set(rss_, "rss_bytes");
  set(threads_, "threads");
  set(openFds_, "open_fds");
  if (r.contains("cpu_user_s") && r.contains("cpu_system_s")) {
    cpuSeconds_->Set(r["cpu_user_s"].get<double>() + r["cpu_system_s"].get<double>());
  }
}

}  // namespace wno::host
