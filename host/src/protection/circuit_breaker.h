// The host's circuit breakers are common/'s (common/circuit_breaker.h, shared
// with the plugins), named here in wno::host; what is the host's own is
// reading their options from its config.
#pragma once

#include <common/circuit_breaker.h>
#include <nlohmann/json.hpp>

#include <optional>

namespace wno::host {

using common::BreakerOptions;
using common::BreakerPermit;
using common::BreakerSnapshot;
using common::BreakerState;
using common::breakerStateName;
using common::breakerStateValue;
using common::CircuitBreaker;

// Reads a breaker object of the config (definitions/breaker); missing keys
// take the schema's defaults (BreakerOptions' initializers serve options
// built in code). `enabled` is returned separately: absent means the
// caller's default (on for stores and repositories, off for probes), which
// one shared schema definition cannot state.
BreakerOptions breakerOptionsFrom(const nlohmann::json& breaker);
std::optional<bool> breakerEnabled(const nlohmann::json& breaker);

}  // namespace wno::host
