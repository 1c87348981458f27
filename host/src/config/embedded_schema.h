// The text of config/schema.json, compiled in (schema_text.cpp is generated
// by CMake), so the binary validates without any file next to it.
#pragma once

namespace wno::config {

extern const char* const kEmbeddedSchema;

}  // namespace wno::config
