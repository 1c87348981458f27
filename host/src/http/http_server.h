// The HTTP front: event loops (one per core by default) read and parse
// requests, route them and run middleware; routes that may block go to a
// bounded worker pool, while inline routes (probes, metrics) and fast paths
// (an L1 hit) answer on the loop with no thread hop. Escaped exceptions
// become 500 problems; every request is counted and (optionally) logged.
// Tracks in-flight requests so shutdown can stop accepting and then drain.
#pragma once

#include "http/event_loop.h"
#include "http/request_metrics.h"
#include "http/router.h"
#include "http/worker_pool.h"
#include "metrics/metrics.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace wno::host::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  int threads = 16;            // workers for routes that may block
  int loopThreads = 0;         // event loops; 0: one per core
  int maxQueued = 256;         // requests waiting for a worker before 503
  size_t maxBodyBytes = 1 << 20;
  size_t maxHeaderBytes = 16 * 1024;
  bool keepAlive = true;
  int keepAliveTimeoutMs = 5000;
  int requestTimeoutMs = 30000;  // a client that stops reading a response
  int headerTimeoutMs = 10000;
  int bodyTimeoutMs = 10000;
  int minBodyBytesPerSecond = 1024;
  int maxConnections = 10000;
  bool accessLog = true;
};

// Runs before the handler; returns true when it has answered the request
// itself (shedding, rate limits, auth), false to continue.
using Middleware = std::function<bool(RequestContext&, const Route&)>;
// Whether a middleware may block for a route (a Redis round trip for a
// shared rate limit); such routes run their middleware on a worker.
using MiddlewareBlocks = std::function<bool(const Route&)>;

class HttpServer : public Dispatcher {
 public:
  HttpServer(ServerOptions options, std::shared_ptr<Router> router, Metrics& metrics);
  ~HttpServer() override;

  void addMiddleware(Middleware middleware, MiddlewareBlocks blocks = nullptr);

  // Binds and starts accepting. Throws std::runtime_error when the address is taken.
  void start();
  uint16_t port() const { return port_; }

  int inFlight() const { return inFlight_.load(); }
  // Copies what is counted per request into the metrics registry; called
  // before each scrape, so the hot path touches one atomic, not a gauge
  // shared by every loop.
  void refreshGauges() { metrics_.inFlight().Set(inFlight_.load()); }
  int openConnections() const { return openConnections_.load(); }
  bool draining() const { return draining_.load(); }

  // Stops accepting new connections, waits up to `grace` for in-flight
  // requests to finish, then closes what is left. Returns requests cut off.
  int shutdown(std::chrono::milliseconds grace);

 private:
  void dispatch(Connection& connection) override;
  void refused(Connection& connection, int status) override;

  bool middlewareMayBlock(const Route& route) const;
  // Runs middleware (unless done) and the handler; answers 500 for what escapes.
  void run(RequestContext& ctx, const Route& route, bool middlewareDone);
  bool runMiddleware(RequestContext& ctx, const Route& route);
  void answerUnrouted(RequestContext& ctx, const RouteMatch& match);
  void finish(Connection& connection);

  ServerOptions options_;
  LoopOptions loopOptions_;
  std::shared_ptr<Router> router_;
  RequestMetrics metrics_;
  std::vector<std::pair<Middleware, MiddlewareBlocks>> middleware_;
  int listenFd_ = -1;
  uint16_t port_ = 0;
  std::unique_ptr<WorkerPool> workers_;
  std::vector<std::unique_ptr<EventLoop>> loops_;
  std::atomic<int> inFlight_{0};
  std::atomic<int> openConnections_{0};
  std::atomic<bool> draining_{false};
  std::atomic<uint64_t> requestCounter_{0};
};

}  // namespace wno::host::http
