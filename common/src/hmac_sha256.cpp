#include "common/hmac_sha256.h"

#include <Poco/HMACEngine.h>
#include <Poco/SHA2Engine.h>

namespace wno::common {
namespace {

// HMACEngine needs the block and digest sizes as constants, which Poco's
// SHA2Engine (one class for every SHA-2 width) does not declare.
struct Sha256 : Poco::SHA2Engine {
  enum { BLOCK_SIZE = 64, DIGEST_SIZE = 32 };
  Sha256() : Poco::SHA2Engine(SHA_256) {}
};

}  // namespace

std::string hmacSha256Hex(std::string_view key, std::string_view message) {
  Poco::HMACEngine<Sha256> hmac{std::string(key)};
  hmac.update(message.data(), message.size());
  return Poco::DigestEngine::digestToHex(hmac.digest());
}

}  // namespace wno::common
