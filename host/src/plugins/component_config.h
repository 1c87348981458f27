// One configured component: which component type an entry of the config
// names, the instance name and config it is created with, and where the
// entry sits, so a refusal can name the exact pointer.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace wno::host {

struct ComponentConfig {
  std::string type;      // the component type's name (a plugin provides it)
  std::string name;      // the instance's name, for logs and metrics
  nlohmann::json config = nlohmann::json::object();
  std::string pointer;   // the entry, e.g. "/cache/levels/0"
  std::string typeKey;   // the entry's key naming the type: "backend", "type", "handler"
};

}  // namespace wno::host
