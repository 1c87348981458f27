#include "http/request_context.h"

#include "http/json_body.h"
#include "http/request_target.h"

#include <cstdio>
#include <streambuf>

namespace wno::host::http {

// Frames what a handler streams as HTTP/1.1 chunks into the response body,
// one chunk per 16 KB (or per flush), so a streamed page reaches the loop
// already framed and is written like any other body.
class RequestContext::ChunkedStream : public std::streambuf {
 public:
  explicit ChunkedStream(std::string& body) : body_(body), stream_(this) { setp(buffer_, buffer_ + sizeof buffer_); }

  std::ostream& stream() { return stream_; }

  void finish() {
    emit();
    body_.append("0\r\n\r\n");
  }

 protected:
  int_type overflow(int_type c) override {
    emit();
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }

  int sync() override {
    emit();
    return 0;
  }

 private:
  void emit() {
    const size_t n = static_cast<size_t>(pptr() - pbase());
    if (n == 0) return;
    char size[24];
    const int len = std::snprintf(size, sizeof size, "%zx\r\n", n);
    body_.append(size, static_cast<size_t>(len));
    body_.append(pbase(), n);
    body_.append("\r\n");
    setp(buffer_, buffer_ + sizeof buffer_);
  }

  std::string& body_;
  std::ostream stream_;
  char buffer_[16384];
};

RequestContext::RequestContext(const HttpRequest& request, HttpResponse& response, size_t maxBodyBytes,
                               std::string requestId)
    : request_(request), response_(response), maxBodyBytes_(maxBodyBytes), requestId_(std::move(requestId)) {
  RequestTarget target;
  if (decodeRequestTarget(request.getURI(), target)) {
    path_ = std::move(target.path);
    query_ = std::move(target.query);
  } else {
    // A malformed target (bad percent-encoding) keeps the raw target as
    // path; no route matches it, so the client gets a 404.
    path_ = request.getURI();
  }
}

RequestContext::~RequestContext() = default;

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
  if (request_.body().size() > maxBodyBytes_) {
    return Status(WNO_ERR_RESOURCE_EXHAUSTED, "request body of " + std::to_string(request_.body().size()) +
                                                  " bytes exceeds the limit of " + std::to_string(maxBodyBytes_));
  }
  return request_.body();
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

void RequestContext::send(int status, const std::string& contentType, std::string body) {
  if (sent()) return;
  status_ = status;
  response_.setStatus(status);
  if (!contentType.empty()) response_.set("Content-Type", contentType);
  response_.set("X-Request-Id", requestId_);
  bytesSent_ = body.size();
  response_.body() = std::move(body);
}

std::ostream& RequestContext::beginStream(int status, const std::string& contentType) {
  status_ = status;
  response_.setStatus(status);
  response_.set("Content-Type", contentType);
  response_.set("X-Request-Id", requestId_);
  response_.setChunked(true);
  response_.body().clear();
  stream_ = std::make_unique<ChunkedStream>(response_.body());
  return stream_->stream();
}

void RequestContext::finishStream(size_t bytes) {
  bytesSent_ = bytes;
  if (stream_ && !streamFinished_) {
    stream_->finish();
    streamFinished_ = true;
  }
}

bool RequestContext::streamBroken() const { return stream_ && !streamFinished_; }

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
  send(status, "application/problem+json", problem.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::string reasonFor(int status) { return std::string(reasonPhrase(status)); }

}  // namespace wno::host::http
