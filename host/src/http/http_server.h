// The HTTP front: Poco's HTTPServer with one handler that routes, enforces
// the body limit, turns escaped exceptions into 500 problems, writes the
// access log and records request metrics. Tracks in-flight requests so
// shutdown can stop accepting and then drain.
#pragma once

#include "http/router.h"
#include "services/metrics.h"

#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace wno::host::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  int threads = 16;
  int maxQueued = 256;
  size_t maxBodyBytes = 1 << 20;
  bool keepAlive = true;
  int keepAliveTimeoutMs = 5000;
  int requestTimeoutMs = 30000;
  bool accessLog = true;
};

// Runs before routing; returns true when it has answered the request itself
// (shedding, rate limits, auth), false to continue to the handler.
using Middleware = std::function<bool(RequestContext&, const Route&)>;

class HttpServer {
 public:
  HttpServer(ServerOptions options, std::shared_ptr<Router> router, Metrics& metrics);
  ~HttpServer();

  void addMiddleware(Middleware middleware);

  // Binds and starts accepting. Throws Poco::Exception when the address is taken.
  void start();
  uint16_t port() const;

  int inFlight() const { return inFlight_.load(); }
  bool draining() const { return draining_.load(); }

  // Stops accepting new connections, waits up to `grace` for in-flight
  // requests to finish, then closes what is left. Returns requests cut off.
  int shutdown(std::chrono::milliseconds grace);

 private:
  class Factory;
  class Handler;

  ServerOptions options_;
  std::shared_ptr<Router> router_;
  Metrics& metrics_;
  std::vector<Middleware> middleware_;
  // Declared before server_ so it outlives the server's connections.
  std::unique_ptr<Poco::ThreadPool> pool_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  Poco::Net::ServerSocket listener_;  // shares the server's socket, to close it when draining
  uint16_t port_ = 0;
  std::atomic<int> inFlight_{0};
  std::atomic<bool> draining_{false};
  std::atomic<uint64_t> requestCounter_{0};
};

}  // namespace wno::host::http
