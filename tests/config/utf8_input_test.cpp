// Config text that arrives as raw bytes (--set arguments, environment
// variables) and is not UTF-8: found by tests/fuzz/fuzz_config. It used to
// escape loadConfig as a json type_error (wno-host: fatal, exit 3) instead of
// a ConfigError naming where it came from.
#include "config_test_support.h"

namespace wno::config::testing {
namespace {

using ::testing::HasSubstr;

class Utf8InputTest : public ConfigTest {};

TEST_F(Utf8InputTest, SetArgumentThatIsNotUtf8IsAConfigError) {
  LoadResult r;
  ASSERT_NO_THROW(r = loadText("{}", {"/http/port=9000", "/log/level=d\xff" "bug"}));
  ASSERT_EQ(r.errors.size(), 1u) << formatErrors(r.errors);
  EXPECT_EQ(r.errors[0].pointer, "--set");
  EXPECT_THAT(r.errors[0].message, HasSubstr("not valid UTF-8 (invalid byte at offset 12)"));
}

TEST_F(Utf8InputTest, SetPointerThatIsNotUtf8IsAConfigError) {
  LoadResult r;
  ASSERT_NO_THROW(r = loadText("{}", {"/ht\xc3tp/port=1"}));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.errors[0].message, HasSubstr("not valid UTF-8 (invalid byte at offset 3)"));
}

TEST_F(Utf8InputTest, EnvironmentValueThatIsNotUtf8IsAnErrorAtItsPointer) {
  LoadResult r;
  ASSERT_NO_THROW(r = loadText(R"({"log": {"level": "${LEVEL}"}})", {}, {{"LEVEL", "\xed\xa0\x80"}}));  // a surrogate
  ASSERT_EQ(r.errors.size(), 1u) << formatErrors(r.errors);
  EXPECT_EQ(r.errors[0].pointer, "/log/level");
  EXPECT_THAT(r.errors[0].message, HasSubstr("environment variable LEVEL is not valid UTF-8"));
}

TEST_F(Utf8InputTest, ValidMultibyteTextStillLoads) {
  auto r = loadText(R"({"admin": {"api_key": "${KEY}"}})", {"/data/cursor_secret=s\xc3\xa9" "cret\xf0\x9f\x94\x91"},
                    {{"KEY", "cl\xc3\xa9"}});
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  EXPECT_EQ(r.effective["admin"]["api_key"], "cl\xc3\xa9");
  EXPECT_EQ(r.effective["data"]["cursor_secret"], "s\xc3\xa9" "cret\xf0\x9f\x94\x91");
}

// A long value is cut for the message; the cut used to split a multibyte
// character, which made the message itself unprintable JSON.
TEST_F(Utf8InputTest, LongValueInAMessageIsCutOnACharacterBoundary) {
  const std::string value = std::string(56, 'a') + "\xc3\xa9" + std::string(10, 'b');  // é spans bytes 56-57
  LoadResult r;
  ASSERT_NO_THROW(r = loadText(R"({"http": {"port": "${PORT}"}})", {}, {{"PORT", value}}));
  ASSERT_EQ(r.errors.size(), 1u) << formatErrors(r.errors);
  EXPECT_EQ(r.errors[0].pointer, "/http/port");
  EXPECT_THAT(r.errors[0].message, HasSubstr("\"" + std::string(56, 'a') + "...\""));
}

}  // namespace
}  // namespace wno::config::testing
