// constantTimeEquals: the answer of ==, for every length relation, without
// reading past either string.
#include "core/constant_time.h"

#include <gtest/gtest.h>

#include <string>

namespace wno::host {
namespace {

TEST(ConstantTimeEquals, AgreesWithEquality) {
  EXPECT_TRUE(constantTimeEquals("", ""));
  EXPECT_TRUE(constantTimeEquals("s3cret-key", "s3cret-key"));
  EXPECT_FALSE(constantTimeEquals("s3cret-key", "s3cret-kez"));  // differs in the last byte
  EXPECT_FALSE(constantTimeEquals("x3cret-key", "s3cret-key"));  // and in the first
}

TEST(ConstantTimeEquals, APrefixOrAnExtensionIsNotEqual) {
  EXPECT_FALSE(constantTimeEquals("s3cret", "s3cret-key"));
  EXPECT_FALSE(constantTimeEquals("s3cret-key", "s3cret"));
  EXPECT_FALSE(constantTimeEquals("", "a"));
}

TEST(ConstantTimeEquals, ZeroBytesCountLikeAnyOther) {
  // A shorter string is padded with zeros in the loop; it must not then
  // equal a longer one that ends in zero bytes.
  EXPECT_FALSE(constantTimeEquals(std::string("ab"), std::string("ab\0", 3)));
  EXPECT_TRUE(constantTimeEquals(std::string("a\0b", 3), std::string("a\0b", 3)));
}

}  // namespace
}  // namespace wno::host
