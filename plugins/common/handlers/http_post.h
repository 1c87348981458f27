// One outbound JSON POST over HTTP or HTTPS (Poco::Net), for job handlers
// that call webhooks and RPC endpoints. Every failure is an HttpError that
// carries the ABI status a handler should return: WNO_ERR_TIMEOUT when the
// deadline passed, WNO_ERR_UNAVAILABLE for refused connections, resets, TLS
// and protocol failures. An HTTP answer of any status code is a Response,
// not an error: the caller decides what a 4xx or 5xx means.
// THREADS: an HttpPoster may be used by many threads at once (one session
// per call; the TLS context is shared and read-only).
#pragma once

#include <wno/common.h>

#include <Poco/Net/Context.h>
#include <Poco/URI.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace wno::handlers {

struct HttpError : std::runtime_error {
  HttpError(wno_status status, const std::string& message) : std::runtime_error(message), status(status) {}
  wno_status status;
};

struct HttpResponse {
  int status = 0;
  std::string reason;
  std::string body;
  std::string retryAfter;  // the Retry-After header, if any
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

class HttpPoster {
 public:
  // url: http:// or https:// with a host; throws std::invalid_argument naming
  // what is wrong. maxResponseBytes bounds what a misbehaving server can make
  // the handler buffer.
  explicit HttpPoster(const std::string& url, size_t maxResponseBytes = 4 << 20);
  ~HttpPoster();
  HttpPoster(const HttpPoster&) = delete;
  HttpPoster& operator=(const HttpPoster&) = delete;

  // Connect, send and receive each get at most `timeout`, and the whole call
  // gives up once `timeout` has passed in total.
  HttpResponse post(const std::string& body, std::chrono::milliseconds timeout, const HttpHeaders& headers = {}) const;

  const std::string& url() const { return url_; }
  // "host:port", for logs and metric labels (never the path or credentials).
  std::string target() const;

 private:
  std::string url_;
  Poco::URI uri_;
  bool https_ = false;
  size_t maxResponseBytes_;
  Poco::Net::Context::Ptr tls_;
};

}  // namespace wno::handlers
