// HMAC-SHA256 over Poco's engines, for webhook signatures (and the tests
// that verify them).
// THREADS: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace wno::common {

// Lowercase hex of HMAC-SHA256(key, message).
std::string hmacSha256Hex(std::string_view key, std::string_view message);

}  // namespace wno::common
