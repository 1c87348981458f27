#include "config/config_loader.h"

#include "config/embedded_schema.h"
#include "config/env_substitution.h"
#include "config/json_file.h"
#include "config/keyed_merge.h"
#include "config/overrides.h"
#include "config/schema_validator.h"

#include <cstdlib>

namespace wno::config {

const nlohmann::json& configSchema() {
  // CMake checked that schema.json parses, so this cannot throw.
  static const nlohmann::json schema = nlohmann::json::parse(kEmbeddedSchema);
  return schema;
}

std::vector<ConfigError> validateConfig(nlohmann::json& document) {
  std::vector<ConfigError> errors;
  SchemaValidator(configSchema()).validate(document, {}, errors);
  return errors;
}

LoadResult loadConfig(const LoadOptions& options) {
  LoadResult result;
  result.effective = nlohmann::json::object();
  for (const auto& file : options.files) {
    auto doc = file == kBuiltinDefaultName ? parseJsonText(kEmbeddedDefaultConfig, file, result.errors)
                                           : readJsonFile(file, result.errors);
    if (!doc) continue;
    if (!doc->is_object()) {
      result.errors.push_back({file, "the top level must be a JSON object, got " +
                                         std::string(doc->is_number() ? "number" : doc->type_name())});
      continue;
    }
    const nlohmann::json before = result.effective;
    applyOverlay(result.effective, *doc, configSchema(), file, result.errors);
    recordChangedLeaves(before, result.effective, file, result.sources);
  }
  // Every file is still read, so all broken files are reported at once; but
  // validating a half-read config would only add noise.
  if (!result.errors.empty()) return result;

  ValueOrigins origins;
  nlohmann::json before = result.effective;
  applyOverrides(result.effective, options.overrides, origins, result.errors);
  recordChangedLeaves(before, result.effective, "--set", result.sources);
  for (const auto& [pointer, origin] : origins) {
    if (origin.kind != ValueOrigin::Kind::kCommandLine) continue;
    for (auto& [leaf, source] : result.sources) {
      if (leaf.rfind(pointer, 0) == 0 && (leaf.size() == pointer.size() || leaf[pointer.size()] == '/')) {
        source = origin.source;
      }
    }
  }
  const GetEnv getenv = options.getenv ? options.getenv : [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    return v ? std::optional<std::string>(v) : std::nullopt;
  };
  before = result.effective;
  const ValueSources written = result.sources;
  substituteEnv(result.effective, getenv, origins, result.errors);
  SchemaValidator(configSchema()).validate(result.effective, origins, result.errors);
  // What changed now was filled in by the schema, except values that came
  // from the environment: those keep the file that asked for them.
  recordChangedLeaves(before, result.effective, "schema default", result.sources);
  for (const auto& [pointer, origin] : origins) {
    if (origin.kind != ValueOrigin::Kind::kEnvironment) continue;
    auto it = written.find(pointer);
    result.sources[pointer] = (it == written.end() ? std::string() : it->second + ", ") + origin.source;
  }
  return result;
}

}  // namespace wno::config
