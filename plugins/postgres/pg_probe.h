// The postgres plugin's `postgres` health probe: a fresh connection and a
// SELECT 1, both bounded by the probe's timeout, and the connections in use
// against max_connections as the load signal (a server out of connections
// refuses every host at once).
// Config: {"url":"postgresql://user:pw@host:5432/db","degraded_latency_ms":200,
//          "degraded_connections_above":0.8}
// THREADS: as health_probe.h: check() never runs concurrently with itself.
#pragma once

#include <wno/sdk/sdk.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace wno::pg {

class PostgresProbe : public wno::sdk::HealthProbe {
 public:
  PostgresProbe(wno::sdk::Host host, std::string_view configJson);
  wno::sdk::ProbeReport check(std::chrono::milliseconds timeout) override;

 private:
  std::string url_;
  int64_t degradedLatencyMs_ = 200;
  double degradedConnectionsAbove_ = 0.8;
};

}  // namespace wno::pg
