#include "http/request_parser.h"

#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

#include <optional>

namespace wno::host::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

class RequestParser::Impl final : public bhttp::basic_parser<true> {
 public:
  Impl(HttpRequest& request, size_t maxBodyBytes) : request_(request) {
    eager(true);
    body_limit(static_cast<std::uint64_t>(maxBodyBytes));
  }

  bool expectContinue = false;

 private:
  void on_request_impl(bhttp::verb, beast::string_view method, beast::string_view target, int version,
                       beast::error_code&) override {
    request_.method_.assign(method.data(), method.size());
    request_.target_.assign(target.data(), target.size());
    request_.version_ = version;
  }

  void on_response_impl(int, beast::string_view, int, beast::error_code&) override {}

  void on_field_impl(bhttp::field name, beast::string_view nameText, beast::string_view value,
                     beast::error_code&) override {
    if (name == bhttp::field::expect && beast::iequals(value, "100-continue")) expectContinue = true;
    request_.headers_.emplace_back(std::string(nameText.data(), nameText.size()),
                                   std::string(value.data(), value.size()));
  }

  void on_header_impl(beast::error_code&) override {
    request_.keepAlive_ = keep_alive();
    if (auto length = content_length()) request_.declaredLength_ = static_cast<int64_t>(*length);
  }

  void on_body_init_impl(const boost::optional<std::uint64_t>& length, beast::error_code&) override {
    if (length) request_.body_.reserve(static_cast<size_t>(*length));
  }

  std::size_t on_body_impl(beast::string_view body, beast::error_code&) override {
    request_.body_.append(body.data(), body.size());
    return body.size();
  }

  void on_chunk_header_impl(std::uint64_t, beast::string_view, beast::error_code&) override {}

  std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view body, beast::error_code&) override {
    request_.body_.append(body.data(), body.size());
    return body.size();
  }

  void on_finish_impl(beast::error_code&) override {}

  HttpRequest& request_;
};

RequestParser::RequestParser() = default;
RequestParser::~RequestParser() = default;

void RequestParser::start(HttpRequest& request, size_t maxHeaderBytes, size_t maxBodyBytes) {
  request.reset();
  impl_ = std::make_unique<Impl>(request, maxBodyBytes);
  impl_->header_limit(static_cast<std::uint32_t>(maxHeaderBytes));
  errorStatus_ = 0;
  errorDetail_.clear();
}

RequestParser::Progress RequestParser::feed(const char* data, size_t size, size_t& consumed) {
  consumed = 0;
  while (!impl_->is_done()) {
    beast::error_code ec;
    const size_t n = impl_->put(boost::asio::const_buffer(data + consumed, size - consumed), ec);
    consumed += n;
    if (ec == bhttp::error::need_more) return Progress::NeedMore;
    if (ec == bhttp::error::body_limit) {
      errorStatus_ = 413;
      errorDetail_ = "request body exceeds the limit";
      return Progress::Failed;
    }
    if (ec == bhttp::error::header_limit) {
      errorStatus_ = 431;
      errorDetail_ = "request head exceeds the limit";
      return Progress::Failed;
    }
    if (ec) {
      errorStatus_ = 400;
      errorDetail_ = "malformed HTTP request: " + ec.message();
      return Progress::Failed;
    }
    if (n == 0 && consumed == size) return impl_->is_done() ? Progress::Complete : Progress::NeedMore;
  }
  return Progress::Complete;
}

bool RequestParser::started() const { return impl_ && impl_->got_some(); }
bool RequestParser::headerDone() const { return impl_ && impl_->is_header_done(); }
bool RequestParser::expectsContinue() const { return impl_ && impl_->expectContinue; }

}  // namespace wno::host::http
