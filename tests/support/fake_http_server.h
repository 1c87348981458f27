// A scripted HTTP server on 127.0.0.1 (an ephemeral port) for tests of
// plugins that call out: webhooks, JSON-RPC nodes. A handler function turns
// each recorded request into a canned reply, which may be delayed (to make
// the client time out) or be any bytes at all (malformed answers).
// Destruction releases delayed replies at once and stops the server.
// THREADS: requests are served on Poco's worker threads; every accessor
// locks, and the handler may be swapped while the server runs.
#pragma once

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace wno::testing {

struct RecordedRequest {
  std::string method;
  std::string uri;
  std::map<std::string, std::string> headers;
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

struct CannedReply {
  int status = 200;
  std::string body = "{}";
  std::string contentType = "application/json";
  std::map<std::string, std::string> headers;
  int delayMs = 0;  // wait this long before answering (released early on shutdown)
};

inline CannedReply answer(int status, std::string body, int delayMs = 0) {
  CannedReply r;
  r.status = status;
  r.body = std::move(body);
  r.delayMs = delayMs;
  return r;
}

class FakeHttpServer {
 public:
  using Handler = std::function<CannedReply(const RecordedRequest&)>;

  explicit FakeHttpServer(Handler handler = {}) : state_(std::make_shared<State>()) {
    state_->handler = std::move(handler);
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    port_ = socket.address().port();
    auto params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(8);
    params->setKeepAlive(false);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(state_), socket, params);
    server_->start();
  }
  ~FakeHttpServer() {
    {
      std::lock_guard lock(state_->mutex);
      state_->stopping = true;
    }
    state_->released.notify_all();
    server_->stopAll(true);
  }
  FakeHttpServer(const FakeHttpServer&) = delete;
  FakeHttpServer& operator=(const FakeHttpServer&) = delete;

  uint16_t port() const { return port_; }
  std::string url(const std::string& path = "/") const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

  void setHandler(Handler handler) {
    std::lock_guard lock(state_->mutex);
    state_->handler = std::move(handler);
  }
  // Always answers with this reply.
  void reply(CannedReply r) {
    setHandler([r](const RecordedRequest&) { return r; });
  }
  std::vector<RecordedRequest> requests() const {
    std::lock_guard lock(state_->mutex);
    return state_->requests;
  }
  size_t requestCount() const {
    std::lock_guard lock(state_->mutex);
    return state_->requests.size();
  }

 private:
  struct State {
    std::mutex mutex;
    std::condition_variable released;
    bool stopping = false;
    Handler handler;
    std::vector<RecordedRequest> requests;
  };

  class RequestHandler : public Poco::Net::HTTPRequestHandler {
   public:
    explicit RequestHandler(std::shared_ptr<State> state) : state_(std::move(state)) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
      RecordedRequest r;
      r.method = request.getMethod();
      r.uri = request.getURI();
      for (const auto& [name, value] : request) r.headers[name] = value;
      Poco::StreamCopier::copyToString(request.stream(), r.body);
      Handler handler;
      {
        std::lock_guard lock(state_->mutex);
        state_->requests.push_back(r);
        handler = state_->handler;
      }
      CannedReply reply = handler ? handler(r) : CannedReply{};
      if (reply.delayMs > 0) {
        std::unique_lock lock(state_->mutex);
        state_->released.wait_for(lock, std::chrono::milliseconds(reply.delayMs), [&] { return state_->stopping; });
      }
      response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.status));
      response.setContentType(reply.contentType);
      for (const auto& [name, value] : reply.headers) response.set(name, value);
      response.setContentLength(static_cast<std::streamsize>(reply.body.size()));
      response.send() << reply.body;
    }

   private:
    std::shared_ptr<State> state_;
  };

  class Factory : public Poco::Net::HTTPRequestHandlerFactory {
   public:
    explicit Factory(std::shared_ptr<State> state) : state_(std::move(state)) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
      return new RequestHandler(state_);
    }

   private:
    std::shared_ptr<State> state_;
  };

  std::shared_ptr<State> state_;
  uint16_t port_ = 0;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
};

// A loopback port nothing listens on (bound, then closed).
inline uint16_t closedPort() {
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  const uint16_t port = socket.address().port();
  socket.close();
  return port;
}

}  // namespace wno::testing
