#include "config/config_loader.h"

#include "config/embedded_schema.h"
#include "config/env_substitution.h"
#include "config/json_file.h"
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
    auto doc = readJsonFile(file, result.errors);
    if (!doc) continue;
    if (!doc->is_object()) {
      result.errors.push_back({file, "the top level must be a JSON object, got " +
                                         std::string(doc->is_number() ? "number" : doc->type_name())});
      continue;
    }
    result.effective.merge_patch(*doc);  // RFC 7396: objects merge, null deletes, the rest replaces
  }
  // Every file is still read, so all broken files are reported at once; but
  // validating a half-read config would only add noise.
  if (!result.errors.empty()) return result;

  ValueOrigins origins;
  applyOverrides(result.effective, options.overrides, origins, result.errors);
  const GetEnv getenv = options.getenv ? options.getenv : [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    return v ? std::optional<std::string>(v) : std::nullopt;
  };
  substituteEnv(result.effective, getenv, origins, result.errors);
  SchemaValidator(configSchema()).validate(result.effective, origins, result.errors);
  return result;
}

}  // namespace wno::config
