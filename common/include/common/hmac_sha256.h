// HMAC-SHA256 (RFC 2104) through libcrypto's SHA-256, which uses the CPU's
// SHA extensions where it has them: page cursors (one signature per list
// page and one check per cursor) and webhook signatures.
// A HmacSha256 keeps its key's inner and outer pads hashed, so a signature
// costs two compressions of the message and one of the inner digest, and
// allocates nothing.
// THREADS: sign() is const and safe from any number of threads at once;
// hmacSha256Hex is a pure function.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>

namespace wno::common {

class HmacSha256 {
 public:
  static constexpr size_t kDigestSize = 32;
  using Digest = std::array<unsigned char, kDigestSize>;

  explicit HmacSha256(std::string_view key);
  ~HmacSha256();
  HmacSha256(const HmacSha256&) = delete;
  HmacSha256& operator=(const HmacSha256&) = delete;

  Digest sign(std::string_view message) const;

  static std::string_view view(const Digest& digest) {
    return {reinterpret_cast<const char*>(digest.data()), digest.size()};
  }

 private:
  struct Pads;
  std::unique_ptr<Pads> pads_;
};

// Lowercase hex of HMAC-SHA256(key, message), for a one-off signature.
std::string hmacSha256Hex(std::string_view key, std::string_view message);

}  // namespace wno::common
