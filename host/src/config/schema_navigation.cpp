#include "config/schema_navigation.h"

namespace wno::config {

const nlohmann::json& resolveRef(const nlohmann::json& root, const nlohmann::json& schema) {
  if (schema.is_object()) {
    if (auto ref = schema.find("$ref"); ref != schema.end() && ref->is_string()) {
      const std::string& target = ref->get_ref<const std::string&>();
      if (target.rfind("#/", 0) == 0) {
        const nlohmann::json::json_pointer pointer(target.substr(1));
        if (root.contains(pointer)) return root.at(pointer);
      }
    }
  }
  return schema;
}

const nlohmann::json* propertySchema(const nlohmann::json& root, const nlohmann::json* schema, const std::string& key) {
  if (!schema || !schema->is_object()) return nullptr;
  if (auto props = schema->find("properties"); props != schema->end() && props->contains(key)) {
    return &resolveRef(root, (*props)[key]);
  }
  if (auto extra = schema->find("additionalProperties"); extra != schema->end() && extra->is_object()) {
    return &resolveRef(root, *extra);
  }
  return nullptr;
}

const nlohmann::json* itemSchema(const nlohmann::json& root, const nlohmann::json* schema) {
  if (!schema || !schema->is_object()) return nullptr;
  if (auto items = schema->find("items"); items != schema->end() && items->is_object()) return &resolveRef(root, *items);
  return nullptr;
}

}  // namespace wno::config
