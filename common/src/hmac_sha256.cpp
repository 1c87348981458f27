#include "common/hmac_sha256.h"

// The SHA256_* context functions are deprecated in OpenSSL 3 in favour of
// EVP, but EVP cannot copy a hashed-pad state without allocating, and they
// run the same CPU-specific code (SHA-NI, AVX2). OpenSSL 3 keeps them.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cstring>

namespace wno::common {

struct HmacSha256::Pads {
  SHA256_CTX inner;
  SHA256_CTX outer;
};

HmacSha256::HmacSha256(std::string_view key) : pads_(std::make_unique<Pads>()) {
  constexpr size_t kBlock = 64;
  unsigned char block[kBlock] = {};
  if (key.size() > kBlock) {
    SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), block);
  } else {
    std::memcpy(block, key.data(), key.size());
  }
  unsigned char pad[kBlock];
  for (size_t i = 0; i < kBlock; ++i) pad[i] = block[i] ^ 0x36;
  SHA256_Init(&pads_->inner);
  SHA256_Update(&pads_->inner, pad, kBlock);
  for (size_t i = 0; i < kBlock; ++i) pad[i] = block[i] ^ 0x5c;
  SHA256_Init(&pads_->outer);
  SHA256_Update(&pads_->outer, pad, kBlock);
  OPENSSL_cleanse(block, sizeof block);
  OPENSSL_cleanse(pad, sizeof pad);
}

HmacSha256::~HmacSha256() {
  if (pads_) OPENSSL_cleanse(pads_.get(), sizeof *pads_);
}

HmacSha256::Digest HmacSha256::sign(std::string_view message) const {
  Digest inner;
  SHA256_CTX ctx = pads_->inner;
  SHA256_Update(&ctx, message.data(), message.size());
  SHA256_Final(inner.data(), &ctx);
  Digest out;
  ctx = pads_->outer;
  SHA256_Update(&ctx, inner.data(), inner.size());
  SHA256_Final(out.data(), &ctx);
  OPENSSL_cleanse(&ctx, sizeof ctx);
  return out;
}

std::string hmacSha256Hex(std::string_view key, std::string_view message) {
  static const char* digits = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * HmacSha256::kDigestSize);
  for (unsigned char byte : HmacSha256(key).sign(message)) {
    hex.push_back(digits[byte >> 4]);
    hex.push_back(digits[byte & 15]);
  }
  return hex;
}

}  // namespace wno::common
