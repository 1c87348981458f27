#include "http/http_options.h"

#include "config/options_reader.h"

namespace wno::host::http {

HttpOptions httpOptionsFrom(const nlohmann::json& http) {
  const config::FilledSection filled(http, "/http");
  const config::OptionsNode h = filled.node();
  HttpOptions options;
  ServerOptions& s = options.server;
  s.host = h.get<std::string>("host");
  s.port = h.get<uint16_t>("port");
  s.threads = h.get<int>("threads");
  s.maxQueued = h.get<int>("max_queued");
  s.maxBodyBytes = h.get<size_t>("max_body_bytes");
  s.keepAlive = h.get<bool>("keep_alive");
  s.keepAliveTimeoutMs = h.get<int>("keep_alive_timeout_ms");
  s.requestTimeoutMs = h.get<int>("request_timeout_ms");
  s.loopThreads = h.get<int>("loop_threads");
  s.maxConnections = h.get<int>("max_connections");
  s.maxHeaderBytes = h.get<size_t>("max_header_bytes");
  s.headerTimeoutMs = h.get<int>("header_timeout_ms");
  s.bodyTimeoutMs = h.get<int>("body_timeout_ms");
  s.minBodyBytesPerSecond = h.get<int>("min_body_bytes_per_s");
  s.accessLog = h.get<bool>("access_log");
  options.shutdownGrace = std::chrono::milliseconds(h.get<int64_t>("shutdown_grace_ms"));
  return options;
}

}  // namespace wno::host::http
