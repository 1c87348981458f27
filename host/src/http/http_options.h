// What /http configures: the server's limits and deadlines, and how long a
// shutdown lets requests in flight finish.
#pragma once

#include "http/http_server.h"

#include <nlohmann/json.hpp>

#include <chrono>

namespace wno::host::http {

struct HttpOptions {
  ServerOptions server;
  std::chrono::milliseconds shutdownGrace{10000};
};

// Reads /http, missing keys taking config/schema.json's defaults. Throws
// config::OptionError naming the pointer of a key that cannot be read.
HttpOptions httpOptionsFrom(const nlohmann::json& http);

}  // namespace wno::host::http
