// --set "/json/pointer=value" overrides, applied in order after the files.
// The value is JSON when it parses as JSON, otherwise the raw text. Missing
// objects on the way are created; "-" or the current size as the last array
// index appends. Scalars in the way are errors, never silently replaced.
#pragma once

#include "config/config_error.h"
#include "config/value_origin.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace wno::config {

void applyOverrides(nlohmann::json& document, const std::vector<std::string>& overrides, ValueOrigins& origins,
                    std::vector<ConfigError>& errors);

}  // namespace wno::config
