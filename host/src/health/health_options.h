// What /health and /load_factor configure: the probes to run and how the
// load factor samples and weighs its signals.
#pragma once

#include "health/load_factor.h"
#include "health/probe_runner.h"
#include "plugins/component_config.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace wno::host {

struct ProbeConfig {
  ComponentConfig component;  // type "type", named after it unless "name" says otherwise
  ProbeOptions options;       // without its breaker, which the registry creates
  nlohmann::json breaker;     // /health/probes/<i>/breaker
  // Off unless asked for: a breaker suits probes of remote dependencies
  // (http, postgres), not readings of this machine (cpu, memory).
  bool breakerEnabled = false;
};

// Reads /health/probes. Throws config::OptionError (with the pointer) for a
// key that cannot be read.
std::vector<ProbeConfig> probeConfigsFrom(const nlohmann::json& health);

struct LoadFactorConfig {
  LoadFactorOptions options;
  // (source, weight) as listed; nullopt: every probe and http_in_flight,
  // equally weighted (the host knows its probes only once created).
  std::optional<std::vector<std::pair<std::string, double>>> signals;
};

// Reads /load_factor, as probeConfigsFrom does /health.
LoadFactorConfig loadFactorConfigFrom(const nlohmann::json& loadFactor);

}  // namespace wno::host
