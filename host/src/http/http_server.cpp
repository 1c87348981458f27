#include "http/http_server.h"

#include "core/logger.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/ThreadPool.h>

#include <prometheus/counter.h>
#include <prometheus/histogram.h>

#include <cctype>
#include <cstdio>
#include <unistd.h>
#include <thread>

namespace wno::host::http {
namespace {

// Accept a client's X-Request-Id only if it is short and printable, so it can
// go into logs and headers verbatim; otherwise mint one.
std::string requestIdFor(const Poco::Net::HTTPServerRequest& request, uint64_t counter) {
  // A copy: Poco returns a reference to the default when the header is absent.
  const std::string given = request.get("X-Request-Id", "");
  bool usable = !given.empty() && given.size() <= 64;
  for (char c : given) usable = usable && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.');
  if (usable) return given;
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%08x-%012llx", static_cast<unsigned>(::getpid()),
                static_cast<unsigned long long>(counter));
  return buffer;
}

struct HttpMetrics {
  explicit HttpMetrics(Metrics& metrics)
      : requests(prometheus::BuildCounter()
                     .Name("wno_http_requests_total")
                     .Help("HTTP requests by route, method and status")
                     .Register(metrics.registry())),
        duration(prometheus::BuildHistogram()
                     .Name("wno_http_request_duration_seconds")
                     .Help("HTTP request duration by route and method")
                     .Register(metrics.registry())),
        inFlight(prometheus::BuildGauge()
                     .Name("wno_http_requests_in_flight")
                     .Help("HTTP requests being handled now")
                     .Register(metrics.registry())
                     .Add({})) {}

  prometheus::Family<prometheus::Counter>& requests;
  prometheus::Family<prometheus::Histogram>& duration;
  prometheus::Gauge& inFlight;
};

}  // namespace

class HttpServer::Handler : public Poco::Net::HTTPRequestHandler {
 public:
  Handler(HttpServer& server, HttpMetrics& metrics) : server_(server), metrics_(metrics) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
    const auto started = std::chrono::steady_clock::now();
    server_.inFlight_.fetch_add(1);
    metrics_.inFlight.Increment();
    RequestContext ctx(request, response, server_.options_.maxBodyBytes,
                       requestIdFor(request, server_.requestCounter_.fetch_add(1)));
    // While draining, finish this request but ask the client to reconnect
    // (to another host) for the next one.
    if (server_.draining_.load()) response.setKeepAlive(false);
    dispatch(ctx);
    finish(ctx, started);
    metrics_.inFlight.Decrement();
    server_.inFlight_.fetch_sub(1);
  }

 private:
  void dispatch(RequestContext& ctx) {
    try {
      RouteMatch match = server_.router_->match(ctx.method(), ctx.path());
      if (match.route == nullptr) {
        ctx.routeName = "unmatched";
        if (!match.allowedMethods.empty()) {
          std::string allow;
          for (const auto& m : match.allowedMethods) allow += (allow.empty() ? "" : ", ") + m;
          ctx.response().set("Allow", allow);
          ctx.sendProblem(405, "Method Not Allowed", ctx.method() + " is not allowed on " + ctx.path(),
                          {{"allow", match.allowedMethods}});
        } else {
          ctx.sendProblem(404, "Not Found", "no route for " + ctx.path());
        }
        return;
      }
      ctx.routeName = match.route->name;
      ctx.setParams(std::move(match.params));
      for (const auto& middleware : server_.middleware_) {
        if (middleware(ctx, *match.route)) return;
      }
      match.route->handler(ctx);
      if (!ctx.sent()) {
        logError("http", "handler returned without a response", {{"route", ctx.routeName}, {"request_id", ctx.requestId()}});
        ctx.sendProblem(500, "Internal Server Error", "the handler produced no response");
      }
    } catch (const std::exception& e) {
      logError("http", "request failed", {{"route", ctx.routeName}, {"request_id", ctx.requestId()}, {"error", e.what()}});
      if (!ctx.sent()) {
        ctx.sendProblem(500, "Internal Server Error", "an internal error occurred; quote request_id when reporting it");
      }
    }
  }

  void finish(RequestContext& ctx, std::chrono::steady_clock::time_point started) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const std::string status = std::to_string(ctx.status());
    metrics_.requests.Add({{"route", ctx.routeName}, {"method", ctx.method()}, {"status", status}}).Increment();
    metrics_.duration.Add({{"route", ctx.routeName}, {"method", ctx.method()}}, Metrics::latencyBuckets())
        .Observe(seconds);
    if (!server_.options_.accessLog) return;
    Logger::instance().record({{"ts", isoTimestampNow()},
                               {"level", "info"},
                               {"component", "access"},
                               {"method", ctx.method()},
                               {"path", ctx.path()},
                               {"route", ctx.routeName},
                               {"status", ctx.status()},
                               {"bytes", ctx.bytesSent()},
                               {"duration_ms", seconds * 1000.0},
                               {"client", ctx.request().clientAddress().host().toString()},
                               {"request_id", ctx.requestId()}});
  }

  HttpServer& server_;
  HttpMetrics& metrics_;
};

class HttpServer::Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Factory(HttpServer& server, Metrics& metrics) : server_(server), metrics_(metrics) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new Handler(server_, metrics_);
  }

 private:
  HttpServer& server_;
  HttpMetrics metrics_;
};

HttpServer::HttpServer(ServerOptions options, std::shared_ptr<Router> router, Metrics& metrics)
    : options_(std::move(options)), router_(std::move(router)), metrics_(metrics) {}

HttpServer::~HttpServer() {
  if (server_) server_->stopAll(true);
}

void HttpServer::addMiddleware(Middleware middleware) { middleware_.push_back(std::move(middleware)); }

void HttpServer::start() {
  Poco::Net::ServerSocket socket;
  // SO_REUSEADDR so a restart can rebind while old connections sit in
  // TIME_WAIT; never SO_REUSEPORT, which would let a second host silently
  // share a port that is already taken instead of failing loudly.
  socket.bind(Poco::Net::SocketAddress(options_.host, options_.port), /*reuseAddress=*/true, /*reusePort=*/false);
  socket.listen(std::max(64, options_.maxQueued));
  auto* params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(options_.threads);
  params->setMaxQueued(options_.maxQueued);
  params->setKeepAlive(options_.keepAlive);
  params->setTimeout(Poco::Timespan(static_cast<long>(options_.requestTimeoutMs) * 1000));
  params->setServerName("wno");
  // Poco's pool joins each worker for up to 10 s on shutdown; idle workers
  // and keep-alive waits must end sooner than that or SIGTERM stalls.
  params->setThreadIdleTime(Poco::Timespan(1, 0));
  params->setKeepAliveTimeout(Poco::Timespan(static_cast<long>(std::min(options_.keepAliveTimeoutMs, 10000)) * 1000));
  // A pool of our own: the default pool is shared by all of Poco and capped
  // at 16 threads, which would silently cap http.threads.
  pool_ = std::make_unique<Poco::ThreadPool>(2, std::max(2, options_.threads) + 2, 60);
  server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this, metrics_), *pool_, socket, params);
  listener_ = socket;
  port_ = socket.address().port();
  server_->start();
}

// Remembered at start: the socket is closed while draining.
uint16_t HttpServer::port() const { return server_ ? port_ : 0; }

int HttpServer::shutdown(std::chrono::milliseconds grace) {
  if (!server_) return 0;
  draining_.store(true);
  // stop() ends the accept loop; connections already accepted keep being
  // served (without keep-alive, see the handler) until they finish. Poco
  // leaves the socket listening until the server is destroyed, so the
  // kernel would go on completing handshakes nobody accepts: those clients
  // would wait out the whole grace and then be reset. Closed now, new
  // connections are refused at once and go to another host.
  server_->stop();
  listener_.close();
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (inFlight_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const int cutOff = inFlight_.load();
  server_->stopAll(true);
  server_.reset();
  return cutOff;
}

}  // namespace wno::host::http
