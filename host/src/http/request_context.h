// Everything a route handler needs for one request: the parsed path and
// query, a body reader that enforces the size limit, and response helpers
// that write JSON or RFC 9457 problem details and remember what was sent
// (for the access log and metrics).
#pragma once

#include "core/status.h"

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace wno::host::http {

class RequestContext {
 public:
  RequestContext(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                 size_t maxBodyBytes, std::string requestId);

  Poco::Net::HTTPServerRequest& request() { return request_; }
  Poco::Net::HTTPServerResponse& response() { return response_; }
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

  // Reads the whole body. Fails with WNO_ERR_RESOURCE_EXHAUSTED when it is
  // larger than the limit (the caller answers 413) without buffering more
  // than limit + 1 bytes.
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
  void finishStream(size_t bytes) { bytesSent_ = bytes; }

  bool sent() const { return status_ != 0; }
  int status() const { return status_; }
  size_t bytesSent() const { return bytesSent_; }
  std::string routeName;  // set by the router, for metrics and logs

 private:
  void send(int status, const std::string& contentType, const std::string& body);

  Poco::Net::HTTPServerRequest& request_;
  Poco::Net::HTTPServerResponse& response_;
  size_t maxBodyBytes_;
  std::string requestId_;
  std::string path_;
  std::vector<std::pair<std::string, std::string>> query_;
  std::map<std::string, std::string> params_;
  int status_ = 0;
  size_t bytesSent_ = 0;
};

// Reason phrase of a status code for problem titles.
std::string reasonFor(int status);

}  // namespace wno::host::http
