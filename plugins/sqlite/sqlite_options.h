// Where a component's SQLite database is and how it is reached, as the
// repository and the job store both read it from their config: "path",
// "pool_size" (1 to 64 connections) and "busy_timeout_ms" (0 to 600000: how
// long a writer waits for another process's file lock).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace wno::sqlite {

struct DatabaseOptions {
  std::string path;
  size_t poolSize = 4;
  int busyTimeoutMs = 5000;
};

// Reads the config over `defaults`; a key it does not know, or a value out
// of range, throws wno::sdk::Error(WNO_ERR_INVALID) naming the key.
DatabaseOptions databaseOptionsFrom(std::string_view configJson, DatabaseOptions defaults);

}  // namespace wno::sqlite
