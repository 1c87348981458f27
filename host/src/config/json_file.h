// Reads and parses one JSON config file. Problems name the file and, for
// malformed JSON, the line and column; duplicate keys are errors at their
// JSON pointer (JSON parsers silently keep only one of them).
#pragma once

#include "config/config_error.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace wno::config {

std::optional<nlohmann::json> readJsonFile(const std::string& path, std::vector<ConfigError>& errors);

// Parses text that came from `path` (used for messages only).
std::optional<nlohmann::json> parseJsonText(const std::string& text, const std::string& path,
                                            std::vector<ConfigError>& errors);

}  // namespace wno::config
