// parseJsonBody: what every route that takes a JSON body refuses before any
// code that recurses over JSON sees it. Found by tests/fuzz (bodies with a
// number beyond double range escaped the parser as a range error: HTTP 500)
// and by a deep body: 100,000 nested arrays crashed the host when a route
// serialized them (stack overflow in json::dump).
#include "http/json_body.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace wno::host::http {
namespace {

using ::testing::HasSubstr;

TEST(JsonBody, ParsesOrdinaryDocuments) {
  JsonBodyError error;
  auto j = parseJsonBody(R"({"type":"x","data":{"list":[1,2,{"k":"[{not nesting}]"}]}})", error);
  ASSERT_TRUE(j) << error.message;
  EXPECT_EQ((*j)["data"]["list"][2]["k"], "[{not nesting}]");
  EXPECT_TRUE(parseJsonBody(R"("a \" quote and a [ bracket")", error));
}

TEST(JsonBody, RefusesNestingDeeperThanTheLimitNamingTheByte) {
  JsonBodyError error;
  const std::string atLimit = std::string(kMaxJsonBodyDepth, '[') + std::string(kMaxJsonBodyDepth, ']');
  EXPECT_TRUE(parseJsonBody(atLimit, error)) << error.message;
  const std::string deep = "{\"data\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  EXPECT_FALSE(parseJsonBody(deep, error));
  EXPECT_EQ(error.message, "nesting deeper than 64 levels of arrays and objects");
  EXPECT_EQ(error.byte, 8u + kMaxJsonBodyDepth);  // the 65th level opens at byte 72 (1-based)
}

TEST(JsonBody, BracketsInsideStringsDoNotCount) {
  JsonBodyError error;
  const std::string text = "[\"" + std::string(1000, '[') + "\\\"" + std::string(1000, '{') + "\"]";
  EXPECT_TRUE(parseJsonBody(text, error)) << error.message;
}

TEST(JsonBody, NumberBeyondDoubleRangeIsRefusedNotThrown) {
  JsonBodyError error;
  std::optional<nlohmann::json> j;
  ASSERT_NO_THROW(j = parseJsonBody(R"({"type":"x","data":1e999})", error));
  EXPECT_FALSE(j);
  EXPECT_THAT(error.message, HasSubstr("number overflow parsing '1e999'"));
}

TEST(JsonBody, SyntaxErrorsKeepTheirByteOffset) {
  JsonBodyError error;
  EXPECT_FALSE(parseJsonBody(R"({"a":1,})", error));
  EXPECT_THAT(error.message, HasSubstr("syntax error"));
  EXPECT_EQ(error.byte, 8u);
  EXPECT_FALSE(parseJsonBody("{\"a\":\"\xff\"}", error));  // not UTF-8
}

}  // namespace
}  // namespace wno::host::http
