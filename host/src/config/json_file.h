// Reads and parses one JSON file; errors name the file, line and column.
#pragma once

#include "config/config_loader.h"

namespace wno::config {

std::optional<nlohmann::json> readJsonFile(const std::string& path, std::vector<ConfigError>& errors);

}  // namespace wno::config
