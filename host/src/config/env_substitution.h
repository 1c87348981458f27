// ${VAR} and ${VAR:-default} in string values; "$${" is a literal "${".
// Strings that were exactly one substitution are remembered so the
// validator may turn "8080" into 8080 where the schema wants a number.
#pragma once

#include "config/config_loader.h"

#include <set>

namespace wno::config {

void substituteEnv(nlohmann::json& document, const std::function<std::optional<std::string>(const std::string&)>& getenv,
                   std::set<std::string>& wholeSubstitutions, std::vector<ConfigError>& errors);

}  // namespace wno::config
