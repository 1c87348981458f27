// The event-driven HTTP engine over real loopback sockets: pipelining,
// keep-alive, the deadlines that make slow clients cost memory instead of a
// thread, the connection cap, a full worker queue, clients that vanish
// mid-response, and draining on shutdown. A raw socket client, so the tests
// control exactly which bytes arrive when.
#include "http/http_server.h"
#include "metrics/metrics.h"

#include "eventually.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace wno::host::http {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// A blocking client socket with a receive timeout, so a test that waits for
// an answer that never comes fails instead of hanging.
class RawClient {
 public:
  explicit RawClient(uint16_t port, int receiveTimeoutMs = 5000) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    timeval tv{receiveTimeoutMs / 1000, (receiveTimeoutMs % 1000) * 1000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~RawClient() { close(); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }
  int fd() const { return fd_; }
  void send(const std::string& bytes) { ASSERT_EQ(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size())); }
  // false once the server has closed the connection.
  bool trySend(const std::string& bytes) { return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size()); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // Everything until the peer closes or the timeout passes.
  std::string readAll() {
    std::string out;
    char buffer[65536];
    for (;;) {
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) return out;
      out.append(buffer, static_cast<size_t>(n));
    }
  }

  // One response with a Content-Length (or none: bodyless statuses).
  std::string readResponse() {
    for (;;) {
      const size_t headEnd = pending_.find("\r\n\r\n");
      if (headEnd != std::string::npos) {
        const std::string head = pending_.substr(0, headEnd + 4);
        size_t length = 0;
        const size_t at = head.find("Content-Length: ");
        if (at != std::string::npos) length = std::stoul(head.substr(at + 16));
        if (pending_.size() >= headEnd + 4 + length) {
          std::string response = pending_.substr(0, headEnd + 4 + length);
          pending_.erase(0, headEnd + 4 + length);
          return response;
        }
      }
      char buffer[65536];
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) {
        std::string rest = std::move(pending_);
        pending_.clear();
        return rest;
      }
      pending_.append(buffer, static_cast<size_t>(n));
    }
  }

  // A head alone (the answer to HEAD, or a 100 Continue).
  std::string readHead() {
    for (;;) {
      const size_t headEnd = pending_.find("\r\n\r\n");
      if (headEnd != std::string::npos) {
        std::string head = pending_.substr(0, headEnd + 4);
        pending_.erase(0, headEnd + 4);
        return head;
      }
      char buffer[65536];
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) return std::exchange(pending_, std::string());
      pending_.append(buffer, static_cast<size_t>(n));
    }
  }

  // True when the server closed the connection (recv gives 0) within the timeout.
  bool closedByPeer() {
    char c;
    return ::recv(fd_, &c, 1, 0) == 0;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string pending_;
};

std::string get(const std::string& path, const std::string& extra = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: test\r\n" + extra + "\r\n";
}

class HttpEngineTest : public ::testing::Test {
 protected:
  void start(ServerOptions options = {}) {
    options.port = 0;
    options.accessLog = false;
    router_ = std::make_shared<Router>();
    router_->add("GET", "/inline", RouteGroup::Health, [](RequestContext& ctx) { ctx.sendText(200, "text/plain", "inline"); },
                 Execution::Inline);
    router_->add("GET", "/work/{n}", RouteGroup::Api,
                 [](RequestContext& ctx) { ctx.sendText(200, "text/plain", "work " + ctx.param("n")); });
    router_->add("POST", "/echo", RouteGroup::Api, [](RequestContext& ctx) {
      auto body = ctx.readBody();
      ctx.sendText(200, "application/octet-stream", body.value());
    });
    router_->add("GET", "/big", RouteGroup::Api,
                 [](RequestContext& ctx) { ctx.sendText(200, "application/octet-stream", std::string(16 << 20, 'x')); });
    router_->add("GET", "/block", RouteGroup::Api, [this](RequestContext& ctx) {
      std::unique_lock lock(gateMutex_);
      ++blocked_;
      gateChanged_.notify_all();
      gateChanged_.wait(lock, [this] { return gateOpen_; });
      ctx.sendText(200, "text/plain", "unblocked");
    });
    router_->add("GET", "/throws", RouteGroup::Api, [](RequestContext&) -> void { throw std::runtime_error("boom"); });
    router_->add("GET", "/stream-breaks", RouteGroup::Api, [](RequestContext& ctx) {
      ctx.beginStream(200, "application/json") << "[1,2,";
      throw std::runtime_error("the source failed half way");
    });
    router_->add("GET", "/fast", RouteGroup::Api, [](RequestContext& ctx) { ctx.sendText(200, "text/plain", "slow path"); });
    router_->setFastPath("GET", "/fast", [](RequestContext& ctx) {
      if (ctx.hasQuery("miss")) return false;
      ctx.sendText(200, "text/plain", "fast path");
      return true;
    });
    server_ = std::make_unique<HttpServer>(options, router_, metrics_);
    server_->start();
    port_ = server_->port();
  }

  void openGate() {
    std::lock_guard lock(gateMutex_);
    gateOpen_ = true;
    gateChanged_.notify_all();
  }

  void TearDown() override {
    openGate();
    server_.reset();
  }

  Metrics metrics_;
  std::shared_ptr<Router> router_;
  std::unique_ptr<HttpServer> server_;
  uint16_t port_ = 0;
  std::mutex gateMutex_;
  std::condition_variable gateChanged_;
  bool gateOpen_ = false;
  int blocked_ = 0;
};

TEST_F(HttpEngineTest, PipelinedRequestsAreAnsweredInOrderOnOneConnection) {
  start();
  RawClient client(port_);
  // Inline, worker and inline again, all in one write: the worker's answer
  // must not overtake or be overtaken.
  client.send(get("/inline") + get("/work/1") + get("/inline") + get("/work/2"));
  EXPECT_THAT(client.readResponse(), HasSubstr("\r\n\r\ninline"));
  EXPECT_THAT(client.readResponse(), HasSubstr("\r\n\r\nwork 1"));
  EXPECT_THAT(client.readResponse(), HasSubstr("\r\n\r\ninline"));
  EXPECT_THAT(client.readResponse(), HasSubstr("\r\n\r\nwork 2"));
}

// A worker writes its response itself and the loop takes the connection
// back later: the next request on it, answered on the loop or by a worker,
// must be answered at once, not wait for another event.
TEST_F(HttpEngineTest, OneConnectionAlternatingBetweenWorkersAndTheLoopGetsEveryAnswer) {
  start();
  RawClient client(port_);
  for (int i = 0; i < 50; ++i) {
    const bool onWorker = i % 3 != 1;
    client.send(onWorker ? get("/work/" + std::to_string(i)) : get("/inline"));
    const std::string r = client.readResponse();
    ASSERT_THAT(r, StartsWith("HTTP/1.1 200 OK\r\n")) << "request " << i;
    ASSERT_THAT(r, HasSubstr(onWorker ? "work " + std::to_string(i) : std::string("inline"))) << "request " << i;
  }
  // A response too large for the socket buffer: the worker starts it, the
  // loop finishes it, and the connection serves the next request.
  client.send(get("/big"));
  EXPECT_THAT(client.readResponse(), HasSubstr("Content-Length: 16777216"));
  client.send(get("/inline"));
  EXPECT_THAT(client.readResponse(), HasSubstr("\r\n\r\ninline"));
}

TEST_F(HttpEngineTest, KeepAliveServesManyRequestsAndHttp10Closes) {
  start();
  RawClient client(port_);
  for (int i = 0; i < 50; ++i) {
    client.send(get("/work/" + std::to_string(i)));
    const std::string r = client.readResponse();
    ASSERT_THAT(r, StartsWith("HTTP/1.1 200 OK\r\n"));
    ASSERT_THAT(r, HasSubstr("work " + std::to_string(i)));
  }
  RawClient old(port_);
  old.send("GET /inline HTTP/1.0\r\n\r\n");
  const std::string r = old.readAll();
  EXPECT_THAT(r, HasSubstr("Connection: close"));
  EXPECT_THAT(r, HasSubstr("inline"));
}

TEST_F(HttpEngineTest, AnIncompleteHeadGets408AfterTheHeadDeadline) {
  ServerOptions options;
  options.headerTimeoutMs = 300;
  start(options);
  RawClient slow(port_);
  slow.send("GET /inline HTTP/1.1\r\nHost: te");
  const std::string r = slow.readAll();
  EXPECT_THAT(r, StartsWith("HTTP/1.1 408 Request Timeout\r\n"));
  EXPECT_THAT(r, HasSubstr("Connection: close"));
  EXPECT_THAT(r, HasSubstr("did not arrive within 300 ms"));
}

TEST_F(HttpEngineTest, ATricklingHeadIsCutOffEvenThoughBytesKeepComing) {
  ServerOptions options;
  options.headerTimeoutMs = 400;
  start(options);
  RawClient slow(port_, 3000);
  slow.send("GET /inline HTTP/1.1\r\n");
  // A header line every 100 ms would keep a per-read timeout alive forever.
  for (int i = 0; i < 8; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (!slow.trySend("X-Trickle-" + std::to_string(i) + ": 1\r\n")) break;
  }
  const std::string answer = slow.readAll();
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 408 Request Timeout\r\n"));
}

TEST_F(HttpEngineTest, ABodyBelowTheMinimumRateGets408) {
  ServerOptions options;
  options.bodyTimeoutMs = 300;
  options.minBodyBytesPerSecond = 1000;
  start(options);
  RawClient slow(port_);
  slow.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n0123456789");
  const std::string r = slow.readAll();
  EXPECT_THAT(r, StartsWith("HTTP/1.1 408 Request Timeout\r\n"));
  EXPECT_THAT(r, HasSubstr("slower than 1000 bytes/s"));
}

TEST_F(HttpEngineTest, AnIdleKeepAliveConnectionIsClosedAfterTheIdleTimeout) {
  ServerOptions options;
  options.keepAliveTimeoutMs = 200;
  start(options);
  RawClient client(port_);
  client.send(get("/inline"));
  EXPECT_THAT(client.readResponse(), HasSubstr("inline"));
  EXPECT_TRUE(client.closedByPeer());
  EXPECT_TRUE(test::eventually([&] { return server_->openConnections() == 0; }));
}

TEST_F(HttpEngineTest, SlowClientsDoNotDelayOthers) {
  start();
  std::vector<std::unique_ptr<RawClient>> slow;
  for (int i = 0; i < 300; ++i) {
    slow.push_back(std::make_unique<RawClient>(port_));
    slow.back()->send("GET /work/1 HTTP/1.1\r\nHost: t\r\n");  // never finished
  }
  for (int i = 0; i < 20; ++i) {
    RawClient fresh(port_);
    fresh.send(get("/work/" + std::to_string(i)));
    EXPECT_THAT(fresh.readResponse(), HasSubstr("work " + std::to_string(i)));
  }
  EXPECT_GE(server_->openConnections(), 300);
}

TEST_F(HttpEngineTest, ConnectionsBeyondTheCapGet503AndTheCapFreesUp) {
  ServerOptions options;
  options.maxConnections = 4;
  start(options);
  std::vector<std::unique_ptr<RawClient>> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(std::make_unique<RawClient>(port_));
    held.back()->send(get("/inline"));
    ASSERT_THAT(held.back()->readResponse(), HasSubstr("inline"));
  }
  RawClient refused(port_);
  const std::string r = refused.readAll();
  EXPECT_THAT(r, StartsWith("HTTP/1.1 503 Service Unavailable\r\n"));
  EXPECT_THAT(r, HasSubstr("Retry-After: 1"));
  held.pop_back();
  ASSERT_TRUE(test::eventually([&] { return server_->openConnections() < 4; }));
  RawClient admitted(port_);
  admitted.send(get("/inline"));
  EXPECT_THAT(admitted.readResponse(), HasSubstr("inline"));
}

TEST_F(HttpEngineTest, AFullWorkerQueueIs503WhileInlineRoutesKeepAnswering) {
  ServerOptions options;
  options.threads = 1;
  options.maxQueued = 1;
  start(options);
  RawClient first(port_);
  first.send(get("/block"));
  {
    std::unique_lock lock(gateMutex_);
    ASSERT_TRUE(gateChanged_.wait_for(lock, std::chrono::seconds(5), [this] { return blocked_ == 1; }));
  }
  RawClient queued(port_);
  queued.send(get("/work/queued"));
  ASSERT_TRUE(test::eventually([&] { return server_->inFlight() == 2; }));
  RawClient refused(port_);
  refused.send(get("/work/refused"));
  const std::string r = refused.readResponse();
  EXPECT_THAT(r, StartsWith("HTTP/1.1 503 Service Unavailable\r\n"));
  EXPECT_THAT(r, HasSubstr("Retry-After: 1"));
  RawClient probe(port_);
  probe.send(get("/inline"));
  EXPECT_THAT(probe.readResponse(), HasSubstr("inline"));
  openGate();
  EXPECT_THAT(first.readResponse(), HasSubstr("unblocked"));
  EXPECT_THAT(queued.readResponse(), HasSubstr("work queued"));
}

TEST_F(HttpEngineTest, AClientThatDisconnectsMidResponseCostsNothingAfterwards) {
  start();
  for (int i = 0; i < 5; ++i) {
    RawClient quitter(port_);
    quitter.send(get("/big"));
    char buffer[4096];
    ASSERT_GT(::recv(quitter.fd(), buffer, sizeof buffer, 0), 0);
    quitter.close();  // a 16 MB response, almost none of it read
  }
  EXPECT_TRUE(test::eventually([&] { return server_->openConnections() == 0; }));
  RawClient after(port_);
  after.send(get("/work/after"));
  EXPECT_THAT(after.readResponse(), HasSubstr("work after"));
}

TEST_F(HttpEngineTest, BodiesOverTheLimitAre413BeforeTheBodyIsRead) {
  ServerOptions options;
  options.maxBodyBytes = 1024;
  start(options);
  RawClient client(port_);
  client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5000000\r\n\r\n");
  const std::string r = client.readAll();
  EXPECT_THAT(r, StartsWith("HTTP/1.1 413 Content Too Large\r\n"));
  EXPECT_THAT(r, HasSubstr("\"limit_bytes\":1024"));
  RawClient chunked(port_);
  chunked.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" + std::string(2048, 'a') + "\r\n");
  EXPECT_THAT(chunked.readAll(), StartsWith("HTTP/1.1 413 Content Too Large\r\n"));
}

TEST_F(HttpEngineTest, AHugeHeadIs431AndGarbageIs400) {
  start();
  RawClient huge(port_);
  huge.send("GET /inline HTTP/1.1\r\nX-Big: " + std::string(64 * 1024, 'a') + "\r\n\r\n");
  EXPECT_THAT(huge.readAll(), StartsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
  RawClient garbage(port_);
  garbage.send("\x16\x03\x01 this is not HTTP\r\n\r\n");
  const std::string r = garbage.readAll();
  EXPECT_THAT(r, StartsWith("HTTP/1.1 400 Bad Request\r\n"));
  EXPECT_THAT(r, HasSubstr("malformed HTTP request"));
}

TEST_F(HttpEngineTest, ChunkedBodiesAndExpectContinueAreRead) {
  start();
  RawClient client(port_);
  client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  EXPECT_THAT(client.readResponse(), HasSubstr("\r\n\r\nhello world"));
  RawClient waiting(port_);
  waiting.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(waiting.readHead(), "HTTP/1.1 100 Continue\r\n\r\n");
  waiting.send("ping");
  EXPECT_THAT(waiting.readResponse(), HasSubstr("\r\n\r\nping"));
}

TEST_F(HttpEngineTest, HeadAnswersWithTheLengthButNoBody) {
  start();
  RawClient client(port_);
  client.send("HEAD /work/7 HTTP/1.1\r\nHost: t\r\n\r\n" + get("/work/8"));
  const std::string head = client.readHead();
  EXPECT_THAT(head, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(head, HasSubstr("Content-Length: 6\r\n"));
  EXPECT_THAT(client.readResponse(), HasSubstr("work 8"));  // the HEAD's body did not leak into it
}

TEST_F(HttpEngineTest, AThrowingHandlerIs500AndABrokenStreamClosesTheConnection) {
  start();
  RawClient client(port_);
  client.send(get("/throws"));
  const std::string r = client.readResponse();
  EXPECT_THAT(r, StartsWith("HTTP/1.1 500 Internal Server Error\r\n"));
  EXPECT_THAT(r, HasSubstr("quote request_id"));
  RawClient streamed(port_);
  streamed.send(get("/stream-breaks"));
  const std::string cut = streamed.readAll();  // ends because the server closed it
  EXPECT_THAT(cut, HasSubstr("Transfer-Encoding: chunked"));
  EXPECT_THAT(cut, ::testing::Not(HasSubstr("\r\n0\r\n\r\n"))) << "a cut stream must not look complete";
}

TEST_F(HttpEngineTest, AFastPathAnswersOnTheLoopAndFallsThroughToTheHandler) {
  start();
  RawClient client(port_);
  client.send(get("/fast") + get("/fast?miss=1"));
  EXPECT_THAT(client.readResponse(), HasSubstr("fast path"));
  EXPECT_THAT(client.readResponse(), HasSubstr("slow path"));
}

TEST_F(HttpEngineTest, ShutdownFinishesInFlightRequestsAndRefusesNewConnections) {
  start();
  RawClient busy(port_);
  busy.send(get("/block"));
  {
    std::unique_lock lock(gateMutex_);
    ASSERT_TRUE(gateChanged_.wait_for(lock, std::chrono::seconds(5), [this] { return blocked_ == 1; }));
  }
  auto stopped = std::async(std::launch::async, [this] { return server_->shutdown(std::chrono::seconds(5)); });
  ASSERT_TRUE(test::eventually([&] { return server_->draining(); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  RawClient late(port_);
  EXPECT_FALSE(late.connected()) << "the listening socket must be closed while draining";
  openGate();
  const std::string r = busy.readResponse();
  EXPECT_THAT(r, HasSubstr("unblocked"));
  EXPECT_THAT(r, HasSubstr("Connection: close"));
  EXPECT_EQ(stopped.get(), 0);
}

TEST_F(HttpEngineTest, PathsArePercentDecodedAndAMalformedEscapeIsKeptRaw) {
  start();
  RawClient client(port_);
  client.send(get("/work/a%20b?x=1+2") + get("/work/%zz") + get("/nowhere/%zz"));
  EXPECT_THAT(client.readResponse(), HasSubstr("\r\n\r\nwork a b"));
  EXPECT_THAT(client.readResponse(), HasSubstr("\r\n\r\nwork %zz"));
  EXPECT_THAT(client.readResponse(), StartsWith("HTTP/1.1 404 Not Found\r\n"));
}

}  // namespace
}  // namespace wno::host::http
