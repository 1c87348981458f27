// Validates a document against the JSON Schema subset config/schema.json
// uses (type incl. unions, properties, additionalProperties, required, enum,
// minimum, maximum, minLength, pattern, items, minItems, default, $ref to
// #/definitions/...). Fills defaults in place, coerces strings that were a
// whole ${ENV} substitution to the number/boolean the schema expects, and
// suggests the closest known key for an unknown one.
#pragma once

#include "config/config_loader.h"

#include <set>

namespace wno::config {

class SchemaValidator {
 public:
  explicit SchemaValidator(const nlohmann::json& schema) : root_(schema) {}

  void validate(nlohmann::json& value, const std::set<std::string>& coercible, std::vector<ConfigError>& errors) const;

 private:
  void check(nlohmann::json& value, const nlohmann::json& schema, const std::string& pointer,
             const std::set<std::string>& coercible, std::vector<ConfigError>& errors) const;
  const nlohmann::json& resolve(const nlohmann::json& schema) const;

  const nlohmann::json& root_;
};

}  // namespace wno::config
