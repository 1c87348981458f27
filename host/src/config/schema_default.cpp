#include "config/schema_default.h"

#include "config/embedded_schema.h"
#include "config/schema_navigation.h"

#include <string>

namespace wno::config {

nlohmann::json schemaDefault(std::string_view pointer) {
  static const nlohmann::json root = nlohmann::json::parse(kEmbeddedSchema);
  const nlohmann::json* schema = &root;
  // Config keys are plain names: no "~" escapes to undo.
  while (schema && pointer.size() > 1 && pointer.front() == '/') {
    pointer.remove_prefix(1);
    const size_t end = pointer.find('/');
    schema = propertySchema(root, schema, std::string(pointer.substr(0, end)));
    pointer = end == std::string_view::npos ? std::string_view() : pointer.substr(end);
  }
  if (!schema) return nullptr;
  auto found = schema->find("default");
  return found == schema->end() ? nlohmann::json() : *found;
}

}  // namespace wno::config
