// The query string's value grammar (data/query_text.h): lists, a group's
// terms and quoted scalars, below the meaning of any parameter.
#include "data/query_text.h"

#include <gtest/gtest.h>

namespace wno::host::data {
namespace {

using Parts = std::vector<std::string>;

TEST(QueryText, ListsSplitOnCommasOutsideQuotes) {
  Parts out;
  std::string error;
  ASSERT_TRUE(splitList(R"(a,"b,c",d\,e,"f\"g")", out, error)) << error;
  EXPECT_EQ(out, (Parts{"a", "b,c", "d\\", "e", "f\"g"}));
  out.clear();
  ASSERT_TRUE(splitList(R"("")", out, error));
  EXPECT_EQ(out, Parts{""}) << "a quoted empty value is a value";
  out.clear();
  ASSERT_TRUE(splitList("", out, error));
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(splitList(R"(a,"b)", out, error));
  EXPECT_EQ(error, "unterminated quote in list");
}

TEST(QueryText, TermsSplitAtTheirOwnLevelOnly) {
  Parts out;
  std::string error;
  ASSERT_TRUE(splitTerms(R"(a.eq.1,or(b.eq.2,c.in.(3,4)),d.eq."x,y")", out, error)) << error;
  EXPECT_EQ(out, (Parts{"a.eq.1", "or(b.eq.2,c.in.(3,4))", R"(d.eq."x,y")"}));
  EXPECT_FALSE(splitTerms("a.eq.1)", out, error));
  EXPECT_EQ(error, "unbalanced \")\"");
  EXPECT_FALSE(splitTerms("or(a.eq.1", out, error));
  EXPECT_EQ(error, "unbalanced \"(\"");
  EXPECT_FALSE(splitTerms(R"(a.eq."x)", out, error));
  EXPECT_EQ(error, "unterminated quote");
}

TEST(QueryText, QuotedScalarsLoseTheirQuotesAndEscapes) {
  EXPECT_EQ(unquoteScalar(R"("a,b")"), "a,b");
  EXPECT_EQ(unquoteScalar(R"("say \"hi\"")"), "say \"hi\"");
  EXPECT_EQ(unquoteScalar("plain"), "plain");
  EXPECT_EQ(unquoteScalar("\""), "\"");
}

}  // namespace
}  // namespace wno::host::data
