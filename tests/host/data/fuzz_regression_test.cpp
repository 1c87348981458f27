// Inputs the fuzz targets (tests/fuzz) found, or that reach the same flaws,
// kept as plain tests so the normal suite guards them:
//   - a text filter value that is not UTF-8 ("%FF") made the list route
//     throw while serializing the filter signature (HTTP 500);
//   - an enum on a non-text field was accepted by config and then failed
//     every create with an exception (HTTP 500);
//   - a default outside the field's enum was filled into created rows;
//   - a signed cursor payload whose members are not strings made the
//     decoder throw instead of refusing it.
#include "data/collection.h"
#include "data/cursor.h"
#include "data/list_query.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>


namespace wno::host::data {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

Collection holdings() {
  std::vector<std::string> errors;
  auto cs = collectionsFrom(json::parse(R"({"token_holdings": {
      "fields": {"wallet_address": {"type": "text", "required": true}, "user_id": {"type": "int64"}},
      "filterable": ["wallet_address", "user_id"], "operations": ["list", "get", "create"]}})"),
                            errors);
  EXPECT_TRUE(errors.empty()) << errors[0];
  return cs.at("token_holdings");
}

TEST(FuzzRegression, TextFilterThatIsNotUtf8IsRefusedNamingTheParameter) {
  const Collection c = holdings();
  ListQuery q;
  QueryError error;
  ASSERT_FALSE(parseListQuery(c, {{"wallet_address", "ab\xff" "cd"}}, q, error));
  EXPECT_EQ(error.parameter, "wallet_address");
  EXPECT_EQ(error.message, "expected UTF-8 text, got an invalid byte at offset 2");
  ASSERT_FALSE(parseListQuery(c, {{"wallet_address", "in.(ok,\xc3(\xa9)"}}, q, error));
  EXPECT_EQ(error.parameter, "wallet_address");
  // Valid multibyte text is still a filter, and its signature serializes.
  ASSERT_TRUE(parseListQuery(c, {{"wallet_address", "like.caf\xc3\xa9*"}}, q, error)) << error.message;
  EXPECT_NO_THROW((void)q.filterSignature());
  EXPECT_NO_THROW((void)q.toRepositoryQuery(nullptr, 21).dump());
}

TEST(FuzzRegression, EnumOnANonTextFieldIsAConfigError) {
  std::vector<std::string> errors;
  collectionsFrom(json::parse(R"({"things": {"fields": {"level": {"type": "int64", "enum": ["1", "2"]}},
                                             "operations": ["create"]}})"),
                  errors);
  EXPECT_THAT(errors, ::testing::Contains(
                          "/data/collections/things/fields/level/enum: only text fields take an enum; this field is int64"));
}

TEST(FuzzRegression, DefaultOutsideTheEnumIsAConfigError) {
  std::vector<std::string> errors;
  collectionsFrom(json::parse(R"({"things": {"fields": {"state": {"type": "text", "enum": ["a", "b"], "default": "c"}},
                                             "operations": ["create"]}})"),
                  errors);
  EXPECT_THAT(errors, ::testing::Contains("/data/collections/things/fields/state/default: must be one of the field's enum values"));
}

TEST(FuzzRegression, SignedCursorWithNonStringMembersIsRefusedNotThrown) {
  const CursorCodec codec("secret");
  // A genuine payload decodes.
  auto genuine = codec.decode(codec.frame(R"({"v":1,"c":"users","s":"+id,","f":"[]","a":[7]})"), "users",
                              "+id,", "[]");
  ASSERT_TRUE(genuine.isOk()) << genuine.status().message();
  EXPECT_EQ(genuine.value(), json::array({7}));
  for (const char* payload : {R"({"a":[],"c":1})", R"({"a":[],"c":"users","s":null})", R"({"a":[],"c":"users","s":"+id,","f":[]})"}) {
    Result<json> decoded{Status(WNO_ERR_INVALID, "not decoded")};
    ASSERT_NO_THROW(decoded = codec.decode(codec.frame(payload), "users", "+id,", "[]")) << payload;
    ASSERT_FALSE(decoded.isOk()) << payload;
    EXPECT_THAT(decoded.status().message(), HasSubstr("cursor")) << payload;
  }
}

}  // namespace
}  // namespace wno::host::data
