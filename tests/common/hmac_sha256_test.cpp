// HMAC-SHA256: the RFC 4231 vectors (short key, key shorter than the digest,
// key longer than a block), and agreement with Poco's engine, which signed
// every page cursor and webhook before libcrypto did.
#include "common/hmac_sha256.h"

#include <Poco/HMACEngine.h>
#include <Poco/SHA2Engine.h>

#include <gtest/gtest.h>

#include <string>

namespace wno::common {
namespace {

TEST(HmacSha256, Rfc4231Vectors) {
  EXPECT_EQ(hmacSha256Hex(std::string(20, '\x0b'), "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(hmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

// Longer than the block: the key is hashed first (RFC 4231 case 6).
TEST(HmacSha256, KeyLongerThanTheBlock) {
  EXPECT_EQ(hmacSha256Hex(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

class PocoSha256 : public Poco::SHA2Engine {
 public:
  enum { BLOCK_SIZE = 64, DIGEST_SIZE = 32 };
  PocoSha256() : Poco::SHA2Engine(SHA_256) {}
};

// One keyed object signs many messages with no state carried between them,
// at every length around the 64-byte block.
TEST(HmacSha256, AgreesWithPocosEngineAtEveryLengthAroundTheBlockSize) {
  const std::string key = "bench-secret-0123456789abcdef";
  const HmacSha256 mac(key);
  std::string message;
  for (int length = 0; length < 200; ++length) {
    Poco::HMACEngine<PocoSha256> poco(key);
    poco.update(message);
    const auto& expected = poco.digest();
    ASSERT_EQ(std::string(expected.begin(), expected.end()), std::string(HmacSha256::view(mac.sign(message)))) << length;
    message.push_back(static_cast<char>('a' + length % 26));
  }
}

}  // namespace
}  // namespace wno::common
