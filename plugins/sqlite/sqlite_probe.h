// The sqlite plugin's `sqlite` health probe: is the database file there and
// usable, does a quick query answer within the probe's timeout, and how big
// are the WAL and the free list.
// Config: {"path":"./data/wno.db","degraded_wal_bytes":67108864,"degraded_latency_ms":100}
#pragma once

#include <wno/sdk/sdk.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace wno::sqlite {

class SqliteProbe : public wno::sdk::HealthProbe {
 public:
  SqliteProbe(wno::sdk::Host host, std::string_view configJson);
  wno::sdk::ProbeReport check(std::chrono::milliseconds timeout) override;

 private:
  std::string path_;
  int64_t degradedWalBytes_ = 64LL << 20;
  int64_t degradedLatencyMs_ = 100;
};

}  // namespace wno::sqlite
