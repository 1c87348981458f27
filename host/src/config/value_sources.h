// Where each value of the effective config came from, for
// `--print-config=sources`: a file (or @default, the built-in default), a
// --set override, an ${ENV} reference, or the schema's default. Keyed by the
// JSON pointer of each leaf (a scalar, or an empty array or object).
// Thread-safe: plain data and pure functions.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>

namespace wno::config {

using ValueSources = std::map<std::string, std::string>;

// Marks every leaf of `after` that is new or different from `before` (at the
// same pointer) as coming from `source`.
void recordChangedLeaves(const nlohmann::json& before, const nlohmann::json& after, const std::string& source,
                         ValueSources& sources);

// One line per leaf, in document order: "<pointer> = <value>  <- <source>",
// values cut to 60 characters. Leaves without a recorded source came from
// the schema's defaults. Pass the redacted document.
std::string formatSources(const nlohmann::json& document, const ValueSources& sources);

}  // namespace wno::config
