// The default config/schema.json declares for a config key, for code that
// reads a config which did not pass through the loader (which fills every
// default in): an embedder's or a test's HostRuntime. Reading it here keeps
// the schema the one owner of such a default instead of a second copy in C++.
#pragma once

#include <nlohmann/json.hpp>

#include <string_view>

namespace wno::config {

// `pointer` names a config key ("/data/user_stats/counts"); null when the
// schema gives it no default.
nlohmann::json schemaDefault(std::string_view pointer);

}  // namespace wno::config
