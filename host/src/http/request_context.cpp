#include "http/request_context.h"

#include "http/json_body.h"

#include <Poco/Net/HTTPResponse.h>
#include <Poco/URI.h>

#include <istream>

namespace wno::host::http {

RequestContext::RequestContext(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                               size_t maxBodyBytes, std::string requestId)
    : request_(request), response_(response), maxBodyBytes_(maxBodyBytes), requestId_(std::move(requestId)) {
  try {
    Poco::URI uri(request.getURI());
    path_ = uri.getPath();
    for (auto& [key, value] : uri.getQueryParameters()) query_.emplace_back(key, value);
  } catch (const Poco::Exception&) {
    // A malformed URI (bad percent-encoding) keeps the raw target as path; no
    // route matches it, so the client gets a 404 instead of a dropped connection.
    path_ = request.getURI();
  }
}

const std::string& RequestContext::param(const std::string& name) const {
  static const std::string empty;
  auto it = params_.find(name);
  return it == params_.end() ? empty : it->second;
}

std::optional<std::string> RequestContext::query(const std::string& name) const {
  for (const auto& [key, value] : query_) {
    if (key == name) return value;
  }
  return std::nullopt;
}

Result<std::string> RequestContext::readBody() {
  const auto declared = request_.getContentLength64();
  if (declared != Poco::Net::HTTPMessage::UNKNOWN_CONTENT_LENGTH && declared > static_cast<int64_t>(maxBodyBytes_)) {
    return Status(WNO_ERR_RESOURCE_EXHAUSTED, "request body of " + std::to_string(declared) +
                                                  " bytes exceeds the limit of " + std::to_string(maxBodyBytes_));
  }
  std::string body;
  std::istream& in = request_.stream();
  char buffer[16384];
  while (in) {
    in.read(buffer, sizeof buffer);
    body.append(buffer, static_cast<size_t>(in.gcount()));
    // Chunked bodies carry no length up front: stop as soon as the limit is passed.
    if (body.size() > maxBodyBytes_) {
      return Status(WNO_ERR_RESOURCE_EXHAUSTED,
                    "request body exceeds the limit of " + std::to_string(maxBodyBytes_) + " bytes");
    }
  }
  return body;
}

std::optional<nlohmann::json> RequestContext::readJsonBody() {
  auto body = readBody();
  if (!body.isOk()) {
    sendProblem(413, "Payload Too Large", body.status().message(), {{"limit_bytes", maxBodyBytes_}});
    return std::nullopt;
  }
  if (body.value().empty()) {
    sendProblem(400, "Bad Request", "the request body is empty; a JSON document is required");
    return std::nullopt;
  }
  JsonBodyError error;
  auto parsed = parseJsonBody(body.value(), error);
  if (!parsed) {
    sendProblem(400, "Bad Request", "malformed JSON body: " + error.message,
                error.byte ? nlohmann::json{{"byte", error.byte}} : nlohmann::json::object());
  }
  return parsed;
}

void RequestContext::send(int status, const std::string& contentType, const std::string& body) {
  if (sent()) return;
  status_ = status;
  response_.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  if (!contentType.empty()) response_.setContentType(contentType);
  response_.set("X-Request-Id", requestId_);
  response_.setContentLength64(static_cast<Poco::Int64>(body.size()));
  std::ostream& out = response_.send();
  out.write(body.data(), static_cast<std::streamsize>(body.size()));
  out.flush();
  bytesSent_ = body.size();
}

std::ostream& RequestContext::beginStream(int status, const std::string& contentType) {
  status_ = status;
  response_.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  response_.setContentType(contentType);
  response_.set("X-Request-Id", requestId_);
  response_.setChunkedTransferEncoding(true);
  return response_.send();
}

void RequestContext::sendJson(int status, const nlohmann::json& body) {
  send(status, "application/json", body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void RequestContext::sendText(int status, const std::string& contentType, const std::string& body) {
  send(status, contentType, body);
}

void RequestContext::sendEmpty(int status) { send(status, "", ""); }

void RequestContext::sendProblem(int status, const std::string& title, const std::string& detail,
                                 const nlohmann::json& extra) {
  nlohmann::json problem = {{"type", "about:blank"},
                            {"title", title},
                            {"status", status},
                            {"detail", detail},
                            {"instance", path_},
                            {"request_id", requestId_}};
  if (extra.is_object()) problem.update(extra);
  // A route may have set the caching headers of its success before it
  // failed; an error must never be kept by a proxy or a browser.
  response_.set("Cache-Control", "no-store");
  response_.erase("ETag");
  send(status, "application/problem+json",
       problem.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::string reasonFor(int status) {
  return Poco::Net::HTTPResponse::getReasonForStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
}

}  // namespace wno::host::http
