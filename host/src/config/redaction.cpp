// redactSecrets (declared in config_loader.h).
#include "config/config_loader.h"
#include "config/schema_navigation.h"

#include <regex>

namespace wno::config {
namespace {

bool secretKey(const std::string& key) {
  static const std::regex pattern("password|secret|api_?key|token|key$", std::regex::icase);
  return std::regex_search(key, pattern);
}

// A key only looks secret by name; the schema knows better where it has an
// opinion. A value limited to an enum is public by definition
// ("/protection/rate_limits/0/key": "ip"), and a schema-described object
// ("/data/collections/token_holdings") is structure to walk, not a secret.
bool mayHoldSecret(const nlohmann::json* schema) {
  if (!schema) return true;  // free-form (plugin config): trust the name
  if (schema->contains("enum")) return false;
  const auto type = schema->find("type");
  return type == schema->end() || !(*type == "object" || *type == "array" || *type == "boolean");
}

std::string redactText(const std::string& text) {
  // scheme://user:password@host -> scheme://user:***@host (and redis://:pw@host).
  static const std::regex url(R"(([A-Za-z][A-Za-z0-9+.-]*://[^/?#@\s:]*:)[^@\s]+@)");
  // libpq-style "host=db password=pw" and "?password=pw" query parameters.
  static const std::regex keyword(R"((password\s*=\s*)('[^']*'|[^\s&;]+))", std::regex::icase);
  if (text.find("://") == std::string::npos && text.find('=') == std::string::npos) return text;
  return std::regex_replace(std::regex_replace(text, url, "$1***@"), keyword, "$1***");
}

// Everything under a secret key: every non-empty string and every number.
void redactAll(nlohmann::json& node) {
  if (node.is_string()) {
    if (!node.get_ref<const std::string&>().empty()) node = "***";
  } else if (node.is_number()) {
    node = "***";
  } else if (node.is_structured()) {
    for (auto& child : node) redactAll(child);
  }
}

void redact(nlohmann::json& node, const nlohmann::json* schema, const nlohmann::json& root) {
  if (node.is_object()) {
    for (auto& [key, value] : node.items()) {
      const nlohmann::json* child = propertySchema(root, schema, key);
      if (secretKey(key) && mayHoldSecret(child)) redactAll(value);
      else redact(value, child, root);
    }
  } else if (node.is_array()) {
    const nlohmann::json* items = itemSchema(root, schema);
    for (auto& element : node) redact(element, items, root);
  } else if (node.is_string()) {
    node = redactText(node.get_ref<const std::string&>());
  }
}

}  // namespace

nlohmann::json redactSecrets(const nlohmann::json& effective) {
  nlohmann::json copy = effective;
  const nlohmann::json& schema = configSchema();
  redact(copy, &schema, schema);
  return copy;
}

}  // namespace wno::config
