// What /data configures besides the collections themselves (collection.h):
// the repositories collections live in, cursor signing and the limits of
// the data routes.
#pragma once

#include "plugins/component_config.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace wno::host::data {

struct RepositoryConfig {
  ComponentConfig component;  // type "type", named after it unless "name" says otherwise
  nlohmann::json breaker;     // /data/repositories/<i>/breaker
  // On unless turned off: a failing database then costs requests nothing
  // but a fast 503 with Retry-After.
  bool breakerEnabled = true;
};

struct DataOptions {
  std::vector<RepositoryConfig> repositories;
  nlohmann::json collections = nlohmann::json::object();  // read by collectionsFrom()
  std::string cursorSecret;  // empty: a random one per process
  int64_t slowQueryMs = 200;
  size_t maxBulkRows = 10000;
};

// Reads /data, missing keys taking config/schema.json's defaults. Throws
// config::OptionError naming the pointer of a key that cannot be read.
DataOptions dataOptionsFrom(const nlohmann::json& data);

}  // namespace wno::host::data
