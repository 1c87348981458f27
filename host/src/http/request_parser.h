// HTTP/1.1 request parsing on Boost.Beast's basic_parser (header-only, in
// Debian's libboost-dev): it validates the grammar, framing (Content-Length
// vs chunked, smuggling checks) and limits, and hands us each field as a
// view into the connection's read buffer. We copy only what the request
// keeps. One parser per request: Beast's parser is not reusable, and a
// fresh one is a few hundred bytes on the connection.
#pragma once

#include "http/http_message.h"

#include <cstddef>
#include <memory>
#include <string>

namespace wno::host::http {

class RequestParser {
 public:
  enum class Progress {
    NeedMore,  // feed more bytes
    Complete,  // the request (head and body) is in `request`
    Failed,    // `errorStatus()` and `errorDetail()` say why; close after answering
  };

  RequestParser();
  ~RequestParser();

  // Starts a new request into `request` (cleared).
  void start(HttpRequest& request, size_t maxHeaderBytes, size_t maxBodyBytes);

  // Parses as much of [data, data+size) as it can; `consumed` is how many
  // bytes belong to this request (the rest are the next pipelined one).
  Progress feed(const char* data, size_t size, size_t& consumed);

  bool started() const;      // at least one byte of this request seen
  bool headerDone() const;   // the whole head is parsed
  // The client sent "Expect: 100-continue" and waits for a go-ahead.
  bool expectsContinue() const;
  int errorStatus() const { return errorStatus_; }
  const std::string& errorDetail() const { return errorDetail_; }

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
  int errorStatus_ = 0;
  std::string errorDetail_;
};

}  // namespace wno::host::http
