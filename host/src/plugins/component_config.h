// One configured component: which component type an entry of the config
// names, the instance name and config it is created with, and where the
// entry sits, so a refusal can name the exact pointer.
#pragma once

#include "config/options_reader.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace wno::host {

struct ComponentConfig {
  std::string type;      // the component type's name (a plugin provides it)
  std::string name;      // the instance's name, for logs and metrics
  nlohmann::json config = nlohmann::json::object();
  std::string pointer;   // the entry, e.g. "/cache/levels/0"
  std::string typeKey;   // the entry's key naming the type: "backend", "type", "handler"
};

// Reads one entry of a filled config section (/data/repositories/<i>,
// /health/probes/<i>, /cache/levels/<i>): the type under `typeKey`, "name"
// (else `defaultName`, else the type), "config" and the entry's pointer.
// Throws config::OptionError naming the pointer of a key that cannot be read.
ComponentConfig componentConfigFrom(const config::OptionsNode& entry, const std::string& typeKey = "type",
                                    const std::optional<std::string>& defaultName = std::nullopt);

}  // namespace wno::host
