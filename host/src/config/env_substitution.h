// ${VAR} and ${VAR:-default} inside string values (anywhere, several per
// string); "$${" is a literal "${". As in sh, ":-" also applies to a set but
// empty variable. An unset variable without a default is an error at the
// string's pointer. Object keys are never substituted.
// A string that was exactly one substitution is recorded in `origins`, so
// validation may turn "8080" into 8080 where the schema wants a number.
#pragma once

#include "config/config_error.h"
#include "config/config_loader.h"
#include "config/value_origin.h"

#include <nlohmann/json.hpp>

namespace wno::config {

void substituteEnv(nlohmann::json& document, const GetEnv& getenv, ValueOrigins& origins,
                   std::vector<ConfigError>& errors);

}  // namespace wno::config
