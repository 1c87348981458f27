#include "config/config_loader.h"

#include "config/env_substitution.h"
#include "config/json_file.h"
#include "config/schema_validator.h"

#include <cstdlib>
#include <regex>

namespace wno::config {

extern const char* const kEmbeddedSchema;  // schema_text.cpp, generated from config/schema.json

namespace {

// Applies "/a/b=value": creates missing objects on the way; the value is
// JSON when it parses as JSON, otherwise the raw text.
void applyOverride(nlohmann::json& document, const std::string& text, std::vector<ConfigError>& errors) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || text.empty() || text[0] != '/') {
    errors.push_back({"--set " + text, "expected /json/pointer=value, e.g. --set /http/port=9000"});
    return;
  }
  const std::string pointer = text.substr(0, eq);
  const std::string raw = text.substr(eq + 1);
  nlohmann::json value = nlohmann::json::parse(raw, nullptr, false);
  if (value.is_discarded()) value = raw;
  try {
    nlohmann::json::json_pointer ptr(pointer);
    // Create parents as objects; a scalar in the way is an error, not a silent replace.
    nlohmann::json* node = &document;
    std::vector<std::string> tokens;
    for (auto p = ptr; !p.empty(); p = p.parent_pointer()) tokens.insert(tokens.begin(), p.back());
    for (size_t i = 0; i + 1 < tokens.size(); ++i) {
      if (node->is_null()) *node = nlohmann::json::object();
      if (node->is_array()) {
        node = &node->at(std::stoul(tokens[i]));
        continue;
      }
      if (!node->is_object()) throw std::invalid_argument("a parent of " + pointer + " is not an object");
      node = &(*node)[tokens[i]];
    }
    if (node->is_null()) *node = nlohmann::json::object();
    if (node->is_array()) {
      const std::string& last = tokens.back();
      if (last == "-") node->push_back(value);
      else node->at(std::stoul(last)) = value;
    } else if (node->is_object()) {
      (*node)[tokens.back()] = value;
    } else {
      throw std::invalid_argument("a parent of " + pointer + " is not an object");
    }
  } catch (const std::exception& e) {
    errors.push_back({pointer, std::string("--set cannot apply: ") + e.what()});
  }
}

bool looksSecret(const std::string& key) {
  static const std::regex pattern("(password|secret|api_?key|token|(^|_)key$)", std::regex::icase);
  return std::regex_search(key, pattern);
}

std::string redactUrl(const std::string& value) {
  // scheme://user:password@host -> scheme://user:***@host
  static const std::regex url("^([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@]*:)([^@]+)(@.*)$");
  std::smatch m;
  if (std::regex_match(value, m, url)) return m[1].str() + "***" + m[3].str();
  return value;
}

void redact(nlohmann::json& node) {
  if (node.is_object()) {
    for (auto& [key, value] : node.items()) {
      if (value.is_string() && looksSecret(key) && !value.get<std::string>().empty()) value = "***";
      else redact(value);
    }
  } else if (node.is_array()) {
    for (auto& v : node) redact(v);
  } else if (node.is_string()) {
    node = redactUrl(node.get<std::string>());
  }
}

}  // namespace

const nlohmann::json& configSchema() {
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
      result.errors.push_back({file, "the top level must be a JSON object"});
      continue;
    }
    result.effective.merge_patch(*doc);  // RFC 7396: objects merge, null deletes, the rest replaces
  }
  if (!result.errors.empty()) return result;  // validating a half-read config would only add noise
  for (const auto& o : options.overrides) applyOverride(result.effective, o, result.errors);

  auto getenv = options.getenv ? options.getenv : [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    return v ? std::optional<std::string>(v) : std::nullopt;
  };
  std::set<std::string> whole;
  substituteEnv(result.effective, getenv, whole, result.errors);
  SchemaValidator(configSchema()).validate(result.effective, whole, result.errors);
  return result;
}

nlohmann::json redactSecrets(const nlohmann::json& effective) {
  nlohmann::json copy = effective;
  redact(copy);
  return copy;
}

std::string formatErrors(const std::vector<ConfigError>& errors) {
  std::string out;
  for (const auto& e : errors) out += "  " + e.pointer + ": " + e.message + "\n";
  return out;
}

}  // namespace wno::config
