// Loading the host config: files (later ones JSON Merge Patch overlays),
// --set overrides, ${ENV} substitution, schema defaults and validation.
// Every problem is collected (never thrown) as "<pointer>: <message>", so an
// operator sees all of them in one run.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace wno::config {

struct ConfigError {
  std::string pointer;  // JSON pointer, or the file for parse errors
  std::string message;
};

struct LoadOptions {
  std::vector<std::string> files;      // in order; later files overlay earlier ones (RFC 7396)
  std::vector<std::string> overrides;  // "/http/port=9000": JSON if it parses, else a string
  std::function<std::optional<std::string>(const std::string&)> getenv;  // default: ::getenv
};

struct LoadResult {
  nlohmann::json effective;
  std::vector<ConfigError> errors;
  bool ok() const { return errors.empty(); }
};

LoadResult loadConfig(const LoadOptions& options);
// Validates an in-memory document (defaults filled in place).
std::vector<ConfigError> validateConfig(nlohmann::json& document);
nlohmann::json redactSecrets(const nlohmann::json& effective);
std::string formatErrors(const std::vector<ConfigError>& errors);
// The embedded schema (config/schema.json at build time).
const nlohmann::json& configSchema();

}  // namespace wno::config
