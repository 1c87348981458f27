// base64url: the RFC 4648 test vectors, agreement with Poco's encoder (what
// cursors were written with before) on every length and byte, and refusal
// of what no encoder writes.
#include "core/base64url.h"

#include <Poco/Base64Encoder.h>
#include <gtest/gtest.h>

#include <random>
#include <sstream>
#include <string>

namespace wno::host {
namespace {

std::string encode(const std::string& bytes) {
  std::string out;
  appendBase64Url(out, bytes);
  return out;
}

std::string pocoEncode(const std::string& bytes) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
  encoder.rdbuf()->setLineLength(0);
  encoder << bytes;
  encoder.close();
  return out.str();
}

TEST(Base64Url, TheRfcVectorsWithoutPadding) {
  EXPECT_EQ(encode(""), "");
  EXPECT_EQ(encode("f"), "Zg");
  EXPECT_EQ(encode("fo"), "Zm8");
  EXPECT_EQ(encode("foo"), "Zm9v");
  EXPECT_EQ(encode("foob"), "Zm9vYg");
  EXPECT_EQ(encode("fooba"), "Zm9vYmE");
  EXPECT_EQ(encode("foobar"), "Zm9vYmFy");
  // The two characters that differ from base64: 62 and 63.
  EXPECT_EQ(encode("\xfb\xff"), "-_8");
}

TEST(Base64Url, AgreesWithPocoAndRoundTripsEveryLength) {
  std::mt19937 random(7);
  for (size_t length = 0; length < 200; ++length) {
    std::string bytes(length, '\0');
    for (auto& b : bytes) b = static_cast<char>(random() & 0xff);
    const std::string text = encode(bytes);
    ASSERT_EQ(text, pocoEncode(bytes)) << "length " << length;
    std::string back;
    ASSERT_TRUE(decodeBase64Url(text, back)) << text;
    EXPECT_EQ(back, bytes);
  }
}

TEST(Base64Url, AppendsAfterWhatIsThere) {
  std::string out = "cursor:";
  appendBase64Url(out, "foo");
  EXPECT_EQ(out, "cursor:Zm9v");
}

TEST(Base64Url, RefusesWhatNoEncoderWrites) {
  std::string out = "stale";
  EXPECT_FALSE(decodeBase64Url("Zm9v=", out));   // padding
  EXPECT_FALSE(decodeBase64Url("Zm+v", out));    // the other alphabet
  EXPECT_FALSE(decodeBase64Url("Zm/v", out));
  EXPECT_FALSE(decodeBase64Url("Zm9 v", out));   // whitespace
  EXPECT_FALSE(decodeBase64Url("Zm9vY", out));   // 4n+1 characters
  EXPECT_FALSE(decodeBase64Url(std::string("Zm\0v", 4), out));
  EXPECT_TRUE(decodeBase64Url("", out));
  EXPECT_EQ(out, "");
}

}  // namespace
}  // namespace wno::host
