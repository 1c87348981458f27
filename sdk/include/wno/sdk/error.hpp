// wno SDK — errors. Throw wno::sdk::Error(status, message) from any
// component method to return that status with that message; any other
// exception becomes WNO_ERR_INTERNAL with its what(). Nothing escapes into
// the host: the trampolines in plugin.hpp catch everything.
#pragma once

#include <wno/common.h>

#include <stdexcept>
#include <string>

namespace wno::sdk {

class Error : public std::runtime_error {
 public:
  Error(wno_status status, const std::string& message, bool reportedByHost = false)
      : std::runtime_error(message), status_(status), reportedByHost_(reportedByHost) {}
  wno_status status() const noexcept { return status_; }
  // True when a host service failed and already set the error message.
  bool reportedByHost() const noexcept { return reportedByHost_; }

 private:
  wno_status status_;
  bool reportedByHost_;
};

// Shorthands for the common cases.
inline Error invalid(const std::string& message) { return Error(WNO_ERR_INVALID, message); }
inline Error unavailable(const std::string& message) { return Error(WNO_ERR_UNAVAILABLE, message); }
inline Error notFound(const std::string& message) { return Error(WNO_NOT_FOUND, message); }

inline std::string_view view(wno_str s) { return s.data ? std::string_view(s.data, s.len) : std::string_view(); }
inline wno_str str(std::string_view s) { return wno_str{s.data(), s.size()}; }

}  // namespace wno::sdk
