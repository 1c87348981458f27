// Errors as values across the host's module seams. A Status is a wno_status
// code plus a human message; Result<T> is a value or a Status. Exceptions stay
// inside adapters (Poco, libraries) and are converted at the seam.
#pragma once

#include <wno/common.h>

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

 private:
  wno_status code_ = WNO_OK;
  std::string message_;
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
