#include "config/options_reader.h"

#include "config/config_loader.h"
#include "config/json_pointer.h"
#include "config/schema_navigation.h"
#include "config/schema_validator.h"

#include <algorithm>
#include <vector>

namespace wno::config {
namespace {

std::string unescapeToken(const std::string& token) {
  std::string out;
  for (size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '~' && i + 1 < token.size()) {
      out += token[i + 1] == '1' ? '/' : '~';
      ++i;
    } else {
      out += token[i];
    }
  }
  return out;
}

// The subschema governing the value at `pointer`, or nullptr (free-form).
const nlohmann::json* schemaAt(const nlohmann::json& root, const std::string& pointer) {
  const nlohmann::json* schema = &root;
  size_t start = 1;
  while (schema && start <= pointer.size()) {
    const size_t end = std::min(pointer.find('/', start), pointer.size());
    const std::string token = unescapeToken(pointer.substr(start, end - start));
    // An array's items and an object's keys both appear as tokens; the
    // schema says which one this level is.
    const nlohmann::json* items = itemSchema(root, schema);
    schema = items ? items : propertySchema(root, schema, token);
    start = end + 1;
  }
  return schema;
}

nlohmann::json filled(nlohmann::json value, const nlohmann::json* schema, const std::string& pointer) {
  if (!schema) return value;
  std::vector<ConfigError> ignored;  // the loader reports them, with the whole document's context
  SchemaValidator(configSchema()).validateAt(value, *schema, pointer, ignored);
  return value;
}

}  // namespace

nlohmann::json withDefaults(nlohmann::json value, const std::string& pointer) {
  return filled(std::move(value), pointer.empty() ? &configSchema() : schemaAt(configSchema(), pointer), pointer);
}

nlohmann::json withDefinitionDefaults(nlohmann::json value, const std::string& definition) {
  const nlohmann::json& definitions = configSchema().at("definitions");
  return filled(std::move(value), &definitions.at(definition), "");
}

bool OptionsNode::has(const std::string& key) const { return value_->is_object() && value_->contains(key); }

OptionsNode OptionsNode::child(const std::string& key) const {
  const std::string pointer = pointer_ + "/" + pointerToken(key);
  if (!value_->is_object()) throw OptionError(pointer_ + ": expected an object");
  auto it = value_->find(key);
  if (it == value_->end()) {
    // After validation only a schema without this key's default gets here.
    throw OptionError(pointer + ": is required (config/schema.json gives it no default)");
  }
  return OptionsNode(*it, pointer);
}

OptionsNode OptionsNode::item(size_t index) const {
  const std::string pointer = pointer_ + "/" + std::to_string(index);
  if (!value_->is_array() || index >= value_->size()) throw OptionError(pointer + ": no such item");
  return OptionsNode((*value_)[index], pointer);
}

}  // namespace wno::config
