// Loading the host config. Pipeline: parse each file ("@default" is the
// built-in config/default.json) -> merge (later files are overlays: RFC 7396
// JSON Merge Patch with keyed lists, keyed_merge.h) -> --set overrides ->
// ${ENV} substitution -> schema defaults -> validation against the embedded
// config/schema.json.
// Every problem is collected as a ConfigError, never thrown, so an operator
// sees all of them in one run. Thread-safe: no shared mutable state.
#pragma once

#include "config/config_error.h"
#include "config/embedded_default.h"
#include "config/value_sources.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace wno::config {

using GetEnv = std::function<std::optional<std::string>(const std::string&)>;

struct LoadOptions {
  std::vector<std::string> files;      // in order; later files overlay earlier ones; "@default": the built-in default
  std::vector<std::string> overrides;  // "/http/port=9000": JSON if it parses, else a string; creates missing objects
  GetEnv getenv;                       // empty: ::getenv
};

struct LoadResult {
  nlohmann::json effective;  // complete document, defaults filled in; only meaningful when ok()
  std::vector<ConfigError> errors;
  ValueSources sources;  // where each leaf of `effective` came from (--print-config=sources)
  bool ok() const { return errors.empty(); }
};

LoadResult loadConfig(const LoadOptions& options);

// Validates an in-memory document against the embedded schema, filling
// defaults in place (no files, overrides or environment involved).
std::vector<ConfigError> validateConfig(nlohmann::json& document);

// A copy for --print-config: values of secret-looking keys (password,
// secret, api_key, apikey, token, ...key) become "***" when non-empty, and
// passwords inside URLs ("postgres://u:pw@h/db") and connection strings
// ("password=pw") become ***.
nlohmann::json redactSecrets(const nlohmann::json& effective);

// The embedded schema (config/schema.json at build time).
const nlohmann::json& configSchema();

}  // namespace wno::config
