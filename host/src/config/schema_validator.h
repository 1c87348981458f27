// Validates a document against the JSON Schema subset config/schema.json is
// written in: type (incl. unions), properties, additionalProperties
// (false or a schema), required, enum, minimum, maximum, minLength (in
// characters), pattern (ECMAScript, unanchored), items, minItems, default,
// description, and "$ref" to "#/definitions/...".
// It fills defaults in place (nested object defaults too), coerces values
// whose ValueOrigin allows it, and suggests the closest known key for an
// unknown one. Not thread-safe (caches compiled patterns); cheap to create.
#pragma once

#include "config/config_error.h"
#include "config/value_origin.h"

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace wno::config {

class SchemaValidator {
 public:
  explicit SchemaValidator(const nlohmann::json& schema) : root_(schema) {}

  void validate(nlohmann::json& document, const ValueOrigins& origins, std::vector<ConfigError>& errors) const;
  // Validates `value` found at `pointer` against one subschema of the root
  // (used to check the schema's own defaults).
  void validateAt(nlohmann::json& value, const nlohmann::json& subschema, const std::string& pointer,
                  std::vector<ConfigError>& errors) const;

  // Every keyword the validator understands or deliberately ignores
  // (annotations). A schema using any other keyword has a typo or needs a
  // validator change; the schema self-check test enforces that.
  static const std::set<std::string>& knownKeywords();

 private:
  void check(nlohmann::json& value, const nlohmann::json& schema, const std::string& pointer,
             const ValueOrigins& origins, std::vector<ConfigError>& errors) const;
  void checkObject(nlohmann::json& value, const nlohmann::json& schema, const std::string& pointer,
                   const ValueOrigins& origins, std::vector<ConfigError>& errors) const;
  const std::regex* compiled(const std::string& pattern) const;

  const nlohmann::json& root_;
  mutable std::map<std::string, std::shared_ptr<std::regex>> patterns_;  // nullptr: invalid pattern
};

}  // namespace wno::config
