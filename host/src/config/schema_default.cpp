#include "config/schema_default.h"

#include "config/embedded_schema.h"
#include "config/schema_navigation.h"

#include <string>

namespace wno::config {

nlohmann::json schemaDefault(std::string_view pointer) {
  static const nlohmann::json root = nlohmann::json::parse(kEmbeddedSchema);
  const nlohmann::json* schema = &root;
  for (const auto& token : nlohmann::json::json_pointer(std::string(pointer))) {
    schema = propertySchema(root, schema, token);
    if (!schema) return nullptr;
  }
  auto found = schema->find("default");
  return found == schema->end() ? nlohmann::json() : *found;
}

}  // namespace wno::config
