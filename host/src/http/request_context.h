// Everything a route handler needs for one request: the parsed path and
// query, the body (already read and size-checked by the event loop), and
// response helpers that write JSON or RFC 9457 problem details and remember
// what was sent (for the access log and metrics). Nothing is written to the
// socket here: the loop writes the response once the handler is done.
#pragma once

#include "core/status.h"
#include "http/http_message.h"

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace wno::host::http {

class RequestContext {
 public:
  RequestContext(const HttpRequest& request, HttpResponse& response, size_t maxBodyBytes, std::string requestId);
  ~RequestContext();

  const HttpRequest& request() const { return request_; }
  HttpResponse& response() { return response_; }
  const std::string& method() const { return request_.getMethod(); }
  const std::string& path() const { return path_; }
  const std::string& requestId() const { return requestId_; }

  // Path parameters from the route pattern ("{id}").
  const std::string& param(const std::string& name) const;
  void setParams(std::map<std::string, std::string> params) { params_ = std::move(params); }

  // Decoded query parameters in order; `query(name)` gives the first value.
  const std::vector<std::pair<std::string, std::string>>& queryParams() const { return query_; }
  std::optional<std::string> query(const std::string& name) const;
  bool hasQuery(const std::string& name) const { return query(name).has_value(); }

  // The whole body. The loop refuses bodies over the limit with 413 before
  // a handler runs; the check here guards contexts built another way.
  Result<std::string> readBody();
  // readBody() + JSON parse; errors are problem responses already sent.
  std::optional<nlohmann::json> readJsonBody();

  void sendJson(int status, const nlohmann::json& body);
  void sendText(int status, const std::string& contentType, const std::string& body);
  void sendEmpty(int status);
  // application/problem+json; `extra` members (e.g. "parameter") are merged in.
  void sendProblem(int status, const std::string& title, const std::string& detail,
                   const nlohmann::json& extra = nlohmann::json::object());

  // Starts a chunked response for bodies produced incrementally (large
  // pages); write to the stream, then call finishStream with the byte count.
  std::ostream& beginStream(int status, const std::string& contentType);
  void finishStream(size_t bytes);
  // A stream begun and never finished (the handler failed half way): the
  // response is cut short and the connection must close after it.
  bool streamBroken() const;

  bool sent() const { return status_ != 0; }
  int status() const { return status_; }
  size_t bytesSent() const { return bytesSent_; }
  // Set by the server from the matched route (whose name outlives the
  // request), for metrics and logs.
  std::string_view routeName;

 private:
  class ChunkedStream;
  void send(int status, const std::string& contentType, std::string body);

  const HttpRequest& request_;
  HttpResponse& response_;
  size_t maxBodyBytes_;
  std::string requestId_;
  std::string path_;
  std::vector<std::pair<std::string, std::string>> query_;
  std::map<std::string, std::string> params_;
  int status_ = 0;
  size_t bytesSent_ = 0;
  std::unique_ptr<ChunkedStream> stream_;
  bool streamFinished_ = false;
};

// Reason phrase of a status code for problem titles.
std::string reasonFor(int status);

}  // namespace wno::host::http
