// HMAC-SHA256 with a fixed key (RFC 2104), for signing many short messages:
// the key's inner and outer pads are hashed once, at construction, so a
// signature costs two compressions of the message and one of the inner
// digest, and allocates nothing. sign() is const and safe to call from any
// number of threads at once.
#pragma once

#include <array>
#include <memory>
#include <string_view>

namespace wno::host {

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

}  // namespace wno::host
