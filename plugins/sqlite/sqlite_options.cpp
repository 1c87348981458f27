#include "sqlite_options.h"

#include <wno/sdk/config.hpp>

namespace wno::sqlite {

DatabaseOptions databaseOptionsFrom(std::string_view configJson, DatabaseOptions o) {
  const wno::sdk::ComponentConfig config(configJson, {"path", "pool_size", "busy_timeout_ms"});
  if (config.has("path")) o.path = config.string("path", o.path, /*required=*/true);
  o.poolSize = static_cast<size_t>(config.integer("pool_size", static_cast<int64_t>(o.poolSize), 1, 64));
  o.busyTimeoutMs = static_cast<int>(config.integer("busy_timeout_ms", o.busyTimeoutMs, 0, 600000));
  return o;
}

}  // namespace wno::sqlite
