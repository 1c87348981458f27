// Errors as values across the host's module seams. A Status is a wno_status
// code plus a human message; Result<T> is a value or a Status. Exceptions stay
// inside adapters (Poco, libraries) and are converted at the seam.
#pragma once

#include <wno/common.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace wno::host {

class Status {
 public:
  Status() = default;
  Status(wno_status code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return {}; }

  bool isOk() const { return code_ == WNO_OK; }
  wno_status code() const { return code_; }
  const std::string& message() const { return message_; }

  // A hint for "retry later" failures (an open circuit knows when it will
  // let calls through again); 0 when there is none. HTTP turns it into
  // Retry-After.
  int64_t retryAfterMs() const { return retryAfterMs_; }
  Status& withRetryAfterMs(int64_t ms) {
    retryAfterMs_ = ms;
    return *this;
  }

 private:
  wno_status code_ = WNO_OK;
  std::string message_;
  int64_t retryAfterMs_ = 0;
};

// Short, stable names of status codes for logs and problem details.
const char* statusName(wno_status code);

template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT

  bool isOk() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace wno::host
