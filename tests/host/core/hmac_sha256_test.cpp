// HmacSha256: the RFC 4231 test vectors (short key, key shorter than the
// digest, key longer than a block), and agreement with Poco's engine, which
// signed every cursor issued before this class did.
#include "core/hmac_sha256.h"

#include <Poco/HMACEngine.h>
#include <Poco/SHA2Engine.h>

#include <gtest/gtest.h>

#include <string>

namespace wno::host {
namespace {

std::string hex(const HmacSha256::Digest& digest) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char byte : digest) {
    out.push_back(digits[byte >> 4]);
    out.push_back(digits[byte & 15]);
  }
  return out;
}

TEST(HmacSha256, MatchesTheRfc4231Vectors) {
  EXPECT_EQ(hex(HmacSha256(std::string(20, '\x0b')).sign("Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(hex(HmacSha256("Jefe").sign("what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(hex(HmacSha256(std::string(131, '\xaa')).sign("Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

class PocoSha256 : public Poco::SHA2Engine {
 public:
  enum { BLOCK_SIZE = 64, DIGEST_SIZE = 32 };
  PocoSha256() : Poco::SHA2Engine(SHA_256) {}
};

TEST(HmacSha256, AgreesWithPocosEngineAtEveryLengthAroundTheBlockSize) {
  const std::string key = "bench-secret-0123456789abcdef";
  const HmacSha256 mac(key);
  std::string message;
  for (int length = 0; length < 200; ++length) {
    Poco::HMACEngine<PocoSha256> poco(key);
    poco.update(message);
    const auto& expected = poco.digest();
    const auto digest = mac.sign(message);  // the same object, many messages: no state carried over
    ASSERT_EQ(std::string(expected.begin(), expected.end()), std::string(HmacSha256::view(digest))) << length;
    message.push_back(static_cast<char>('a' + length % 26));
  }
}

}  // namespace
}  // namespace wno::host
