#include "jobs/job_data_schema.h"

#include "config/schema_validator.h"

namespace wno::host::jobs {
namespace {

// Every keyword anywhere in the schema must be one the validator checks or
// knowingly ignores. Property names under "properties" are names, not keywords.
bool onlyKnownKeywords(const nlohmann::json& schema, const std::string& at, std::string& why) {
  if (!schema.is_object()) return true;
  const auto& known = config::SchemaValidator::knownKeywords();
  for (const auto& [key, value] : schema.items()) {
    if (!known.count(key)) {
      why = "keyword \"" + key + "\" at " + (at.empty() ? "/" : at) + " is not supported";
      return false;
    }
    if (key == "properties" || key == "definitions") {
      if (!value.is_object()) continue;
      for (const auto& [name, sub] : value.items()) {
        if (!onlyKnownKeywords(sub, at + "/" + key + "/" + name, why)) return false;
      }
    } else if (key == "items" || key == "additionalProperties") {
      if (!onlyKnownKeywords(value, at + "/" + key, why)) return false;
    }
  }
  return true;
}

}  // namespace

std::optional<JobDataSchema> JobDataSchema::parse(std::string_view text, std::string& why) {
  auto schema = nlohmann::json::parse(text, nullptr, false);
  if (schema.is_discarded()) {
    why = "not valid JSON";
    return std::nullopt;
  }
  if (!schema.is_object()) {
    why = "not a JSON object";
    return std::nullopt;
  }
  if (!onlyKnownKeywords(schema, "", why)) return std::nullopt;
  return JobDataSchema(std::move(schema));
}

bool JobDataSchema::check(const nlohmann::json& data, RequestError& error) const {
  // The validator fills defaults in place; data is checked, not rewritten.
  nlohmann::json copy = data;
  // Per call: the validator caches compiled patterns and is not thread-safe.
  config::SchemaValidator validator(schema_);
  std::vector<config::ConfigError> errors;
  validator.validateAt(copy, schema_, "", errors);
  if (errors.empty()) return true;
  // "data.items.0", as the other members are named ("backoff.delay_ms").
  std::string member = errors.front().pointer;
  for (char& c : member) c = c == '/' ? '.' : c;
  error.parameter = "data" + member;
  error.message = errors.front().message;
  return false;
}

}  // namespace wno::host::jobs
