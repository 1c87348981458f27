#include "http/http_server.h"

#include "core/logger.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace wno::host::http {
namespace {

// Accept a client's X-Request-Id only if it is short and printable, so it can
// go into logs and headers verbatim; otherwise mint one.
std::string requestIdFor(const HttpRequest& request, uint64_t counter) {
  std::string given = request.get("X-Request-Id");
  bool usable = !given.empty() && given.size() <= 64;
  for (char c : given) usable = usable && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.');
  if (usable) return given;
  // "<pid, 8 hex>-<counter, 12 hex>": the pid is read once (getpid is a
  // system call, and this runs for every request).
  static const unsigned pid = static_cast<unsigned>(::getpid());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(21, '-');
  for (int i = 7; i >= 0; --i) id[static_cast<size_t>(7 - i)] = kHex[(pid >> (4 * i)) & 0xf];
  for (int i = 11; i >= 0; --i) id[static_cast<size_t>(20 - i)] = kHex[(counter >> (4 * i)) & 0xf];
  return id;
}

// Binds host:port (a name or a literal, IPv4 or IPv6). SO_REUSEADDR so a
// restart can rebind while old connections sit in TIME_WAIT; never
// SO_REUSEPORT, which would let a second host silently share a port that
// is already taken instead of failing loudly.
int bindListener(const std::string& host, uint16_t port, int backlog) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (const int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    throw std::runtime_error("cannot resolve " + host + ": " + ::gai_strerror(rc));
  }
  std::string lastError = "no address";
  int fd = -1;
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      lastError = std::strerror(errno);
      continue;
    }
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd, backlog) != 0) {
      lastError = std::strerror(errno);
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  if (fd < 0) throw std::runtime_error(lastError);
  return fd;
}

uint16_t boundPort(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  return ClientAddress::from(address).port;
}

// Every connection is a descriptor: lift the soft limit to the hard one so
// max_connections is reachable without a wrapper script.
void raiseDescriptorLimit(int wanted) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  const rlim_t target = std::min<rlim_t>(limit.rlim_max, static_cast<rlim_t>(wanted));
  if (limit.rlim_cur >= target) return;
  limit.rlim_cur = target;
  ::setrlimit(RLIMIT_NOFILE, &limit);
}

}  // namespace

HttpServer::HttpServer(ServerOptions options, std::shared_ptr<Router> router, Metrics& metrics)
    : options_(std::move(options)), router_(std::move(router)), metrics_(metrics) {
  loopOptions_.maxHeaderBytes = options_.maxHeaderBytes;
  loopOptions_.maxBodyBytes = options_.maxBodyBytes;
  loopOptions_.headerTimeoutMs = options_.headerTimeoutMs;
  loopOptions_.bodyTimeoutMs = options_.bodyTimeoutMs;
  loopOptions_.minBodyBytesPerSecond = options_.minBodyBytesPerSecond;
  loopOptions_.keepAliveTimeoutMs = options_.keepAliveTimeoutMs;
  loopOptions_.sendTimeoutMs = options_.requestTimeoutMs;
  loopOptions_.maxConnections = options_.maxConnections;
  loopOptions_.keepAlive = options_.keepAlive;
}

HttpServer::~HttpServer() {
  if (workers_) workers_->stop();
  for (auto& loop : loops_) loop->stop();
  loops_.clear();
  if (listenFd_ >= 0) ::close(listenFd_);
}

void HttpServer::addMiddleware(Middleware middleware, MiddlewareBlocks blocks) {
  middleware_.emplace_back(std::move(middleware), std::move(blocks));
}

void HttpServer::start() {
  raiseDescriptorLimit(options_.maxConnections + 1024);
  listenFd_ = bindListener(options_.host, options_.port, std::max(1024, options_.maxQueued));
  port_ = boundPort(listenFd_);
  workers_ = std::make_unique<WorkerPool>(std::max(1, options_.threads), static_cast<size_t>(std::max(1, options_.maxQueued)),
                                          "wno-http-work");
  int loops = options_.loopThreads;
  if (loops <= 0) loops = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 0; i < loops; ++i) {
    loops_.push_back(std::make_unique<EventLoop>(i, listenFd_, loopOptions_, *this, openConnections_));
  }
  for (auto& loop : loops_) loop->start();
}

bool HttpServer::middlewareMayBlock(const Route& route) const {
  for (const auto& [middleware, blocks] : middleware_) {
    if (blocks && blocks(route)) return true;
  }
  return false;
}

void HttpServer::dispatch(Connection& c) {
  inFlight_.fetch_add(1, std::memory_order_relaxed);
  c.startedAt = std::chrono::steady_clock::now();
  c.context.emplace(c.request, c.response, options_.maxBodyBytes,
                    requestIdFor(c.request, requestCounter_.fetch_add(1, std::memory_order_relaxed)));
  RequestContext& ctx = *c.context;
  RouteMatch match = router_->match(ctx.method(), ctx.path());
  if (match.route == nullptr) {
    answerUnrouted(ctx, match);
    finish(c);
    return;
  }
  const Route& route = *match.route;
  ctx.routeName = route.name;
  ctx.setParams(std::move(match.params));

  const bool onLoop = route.execution == Execution::Inline || route.fastPath;
  if (onLoop && !middlewareMayBlock(route)) {
    bool answered = false;
    try {
      answered = runMiddleware(ctx, route) || (route.fastPath && route.execution == Execution::Worker && route.fastPath(ctx));
    } catch (const std::exception& e) {
      logError("http", "request failed", {{"route", std::string(ctx.routeName)}, {"request_id", ctx.requestId()}, {"error", e.what()}});
      if (!ctx.sent()) ctx.sendProblem(500, "Internal Server Error", "an internal error occurred; quote request_id when reporting it");
      answered = true;
    }
    if (!answered && route.execution == Execution::Inline) {
      run(ctx, route, /*middlewareDone=*/true);
      answered = true;
    }
    if (answered) {
      finish(c);
      return;
    }
    if (workers_->trySubmit([this, &c, &route] {
          run(*c.context, route, /*middlewareDone=*/true);
          finish(c);
        })) {
      return;
    }
  } else if (workers_->trySubmit([this, &c, &route] {
               run(*c.context, route, /*middlewareDone=*/false);
               finish(c);
             })) {
    return;
  }
  // Every worker busy and the queue full: say so now rather than queue without bound.
  c.response.set("Retry-After", "1");
  ctx.sendProblem(503, "Service Unavailable", "the host is at capacity: every worker is busy and " +
                                                   std::to_string(options_.maxQueued) + " requests are waiting; retry later");
  finish(c);
}

void HttpServer::answerUnrouted(RequestContext& ctx, const RouteMatch& match) {
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
}

bool HttpServer::runMiddleware(RequestContext& ctx, const Route& route) {
  for (const auto& [middleware, blocks] : middleware_) {
    if (middleware(ctx, route)) return true;
  }
  return false;
}

void HttpServer::run(RequestContext& ctx, const Route& route, bool middlewareDone) {
  try {
    if (!middlewareDone && runMiddleware(ctx, route)) return;
    route.handler(ctx);
    if (!ctx.sent()) {
      logError("http", "handler returned without a response", {{"route", std::string(ctx.routeName)}, {"request_id", ctx.requestId()}});
      ctx.sendProblem(500, "Internal Server Error", "the handler produced no response");
    }
  } catch (const std::exception& e) {
    logError("http", "request failed", {{"route", std::string(ctx.routeName)}, {"request_id", ctx.requestId()}, {"error", e.what()}});
    if (!ctx.sent()) {
      ctx.sendProblem(500, "Internal Server Error", "an internal error occurred; quote request_id when reporting it");
    }
  }
}

void HttpServer::finish(Connection& c) {
  RequestContext& ctx = *c.context;
  // A stream the handler never finished: what was framed goes out, then the
  // connection closes, so the client sees a cut-off body, never a complete-looking one.
  if (ctx.streamBroken()) c.response.setKeepAlive(false);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - c.startedAt).count();
  metrics_.record(ctx.routeName, ctx.method(), ctx.status(), seconds);
  if (options_.accessLog) {
    Logger::instance().record({{"ts", isoTimestampNow()},
                               {"level", "info"},
                               {"component", "access"},
                               {"method", ctx.method()},
                               {"path", ctx.path()},
                               {"route", std::string(ctx.routeName)},
                               {"status", ctx.status()},
                               {"bytes", ctx.bytesSent()},
                               {"duration_ms", seconds * 1000.0},
                               {"client", c.client.ip},
                               {"request_id", ctx.requestId()}});
  }
  c.context.reset();
  inFlight_.fetch_sub(1, std::memory_order_relaxed);
  c.loop.complete(c);
}

void HttpServer::refused(Connection& c, int status) {
  metrics_.record("refused", c.request.getMethod(), status, 0.0);
  if (options_.accessLog) {
    Logger::instance().record({{"ts", isoTimestampNow()},
                               {"level", "info"},
                               {"component", "access"},
                               {"method", c.request.getMethod()},
                               {"route", "refused"},
                               {"status", status},
                               {"client", c.client.ip}});
  }
}

int HttpServer::shutdown(std::chrono::milliseconds grace) {
  if (loops_.empty()) return 0;
  draining_.store(true);
  // New connections are refused at once (and go to another host) instead
  // of the kernel completing handshakes nobody will accept: a shut-down
  // listening socket stops listening. Its descriptor stays ours until the
  // loops have let go of it, so its number cannot be reused under them.
  for (auto& loop : loops_) loop->stopAccepting();
  ::shutdown(listenFd_, SHUT_RDWR);
  for (auto& loop : loops_) loop->drain();
  // Requests being handled, and requests still arriving (a slow upload):
  // both were started by clients who count on an answer.
  auto unfinished = [this] {
    int n = inFlight_.load();
    for (const auto& loop : loops_) n += loop->receiving();
    return n;
  };
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (unfinished() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const int cutOff = unfinished();
  // Handlers still running finish (their calls have their own deadlines);
  // their answers are written by loops that are still running.
  workers_->stop();
  // Give the loops a moment to write the last answers out.
  const auto flushDeadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
  while (openConnections_.load() > 0 && std::chrono::steady_clock::now() < flushDeadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (auto& loop : loops_) loop->stop();
  loops_.clear();
  ::close(listenFd_);
  listenFd_ = -1;
  return cutOff;
}

}  // namespace wno::host::http
