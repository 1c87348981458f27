// JSON string literals written as text: what the JSON library reads back is
// the input, bytes that are not UTF-8 become U+FFFD, and plain text is
// copied unchanged.
#include "common/json_string.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace wno::common {
namespace {

std::string literal(std::string_view s) {
  std::string out = "prefix:";
  appendJsonString(out, s);
  return out.substr(7);
}

TEST(JsonString, PlainTextIsQuotedAsItIs) {
  EXPECT_EQ(literal("job-42.a_b:c@d"), "\"job-42.a_b:c@d\"");
  EXPECT_EQ(literal(""), "\"\"");
}

TEST(JsonString, EverythingElseReadsBackUnchanged) {
  for (const std::string& s : std::vector<std::string>{"say \"hi\"", "back\\slash", "tab\tnew\nline", "del\x7f", "\xc3\xa9t\xc3\xa9 \xe2\x9c\x93",
                              std::string("nul\0byte", 8)}) {
    EXPECT_EQ(nlohmann::json::parse(literal(s)).get<std::string>(), s) << s;
  }
}

TEST(JsonString, BytesThatAreNotUtf8BecomeReplacementCharacters) {
  EXPECT_EQ(nlohmann::json::parse(literal("bad \xff byte")).get<std::string>(), "bad \xef\xbf\xbd byte");
}

}  // namespace
}  // namespace wno::common
