// Finding the subschema that governs a child value, shared by validation and
// redaction. Only "$ref" to "#/..." inside the same schema is resolved.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace wno::config {

const nlohmann::json& resolveRef(const nlohmann::json& root, const nlohmann::json& schema);

// properties[key], else an object-valued additionalProperties, else nullptr
// (free-form: anything goes, e.g. a plugin's own config).
const nlohmann::json* propertySchema(const nlohmann::json& root, const nlohmann::json* schema, const std::string& key);

// items, or nullptr.
const nlohmann::json* itemSchema(const nlohmann::json& root, const nlohmann::json* schema);

}  // namespace wno::config
