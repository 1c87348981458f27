// The postgres plugin's `postgres` health probe: a SELECT 1 on a session it
// keeps open, bounded by the probe's timeout, and the connections in use
// against max_connections as the load signal (a server out of connections
// refuses every host at once).
//
// Why one kept session and one connection attempt at a time: the postmaster
// accepts and forks serially. A probe that opened a fresh connection every
// check and dropped it at its timeout left a dead connection in the accept
// queue each time; on a CPU-starved server (all hosts reconnecting after a
// restart) forks fell behind, the queue grew, every later connect timed out
// behind the dead ones, and the host stayed unready long after its own
// queries worked again. Now a check that runs out of time leaves its connect
// running for the next check to finish, so the probe never queues more
// than one connection.
// Config: {"url":"postgresql://user:pw@host:5432/db","degraded_latency_ms":200,
//          "degraded_connections_above":0.8}
// THREADS: as health_probe.h: check() never runs concurrently with itself.
#pragma once

#include "pg_activity.h"

#include <wno/sdk/sdk.hpp>

#include <nlohmann/json_fwd.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

typedef struct pg_conn PGconn;

namespace wno::pg {

struct ProbeFailure;   // why a step of a check failed
struct ConnectionUse;  // the server's connections in use, of those it allows

class PostgresProbe : public wno::sdk::HealthProbe {
 public:
  PostgresProbe(wno::sdk::Host host, std::string_view configJson);
  ~PostgresProbe() override;
  wno::sdk::ProbeReport check(std::chrono::milliseconds timeout) override;

 private:
  using Clock = std::chrono::steady_clock;
  struct ConnClose {
    void operator()(PGconn* c) const;
  };

  // Opens the session, or goes on with the attempt an earlier check left
  // running, until it is up or `deadline` passes; fills "connect_ms".
  std::optional<ProbeFailure> connect(Clock::time_point deadline, nlohmann::json& details);
  void dropSession();
  wno::sdk::ProbeReport down(const ProbeFailure& f, std::chrono::milliseconds timeout, nlohmann::json& details) const;
  wno::sdk::ProbeReport up(const ConnectionUse& use, double queryMs, double queriesMs,
                           const nlohmann::json& details) const;

  std::string url_;
  ServerActivity* activity_ = nullptr;  // what this host's pools saw of the same server
  std::unique_ptr<PGconn, ConnClose> conn_;
  bool connected_ = false;            // conn_ is a live session (else: an attempt in progress)
  Clock::time_point connectStarted_;  // of the attempt in progress
  int pollState_ = 0;                 // the attempt's last PostgresPollingStatusType
  int64_t degradedLatencyMs_ = 200;
  double degradedConnectionsAbove_ = 0.8;
};

}  // namespace wno::pg
