// The JSON Schema subset, against a small inline schema so these tests do not
// move when config/schema.json grows.
#include "config/key_suggestion.h"
#include "config/schema_validator.h"
#include "config_test_support.h"

namespace wno::config::testing {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

const json kSchema = json::parse(R"({
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "name": {"type": "string", "minLength": 2, "pattern": "^[a-z]+$", "description": "d"},
    "count": {"type": "integer", "minimum": 1, "maximum": 10, "default": 3},
    "ratio": {"type": "number", "minimum": 0, "maximum": 1},
    "mode": {"type": "string", "enum": ["fast", "safe"], "default": "safe"},
    "maybe": {"type": ["number", "null"], "default": null},
    "flag": {"type": "boolean"},
    "tags": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}},
    "nested": {
      "type": "object", "additionalProperties": false, "default": {},
      "required": ["id"],
      "properties": {
        "id": {"type": "integer"},
        "inner": {"type": "object", "default": {}, "properties": {"depth": {"type": "integer", "default": 7}}}
      }
    },
    "map": {"type": "object", "additionalProperties": {"type": "integer"}},
    "free": {"type": "object"},
    "empty": {"type": "object", "additionalProperties": false},
    "list": {"type": "array", "default": [], "items": {"$ref": "#/definitions/entry"}},
    "anything": {}
  },
  "definitions": {
    "entry": {"type": "object", "additionalProperties": false, "required": ["key"],
              "properties": {"key": {"type": "string"}, "on": {"type": "boolean", "default": true}}}
  }
})");

std::vector<ConfigError> validate(json& doc, const ValueOrigins& origins = {}) {
  std::vector<ConfigError> errors;
  SchemaValidator(kSchema).validate(doc, origins, errors);
  return errors;
}

TEST(SchemaValidator, ValidDocumentGetsDefaultsIncludingNestedOnes) {
  json doc = {{"name", "ab"}, {"nested", {{"id", 1}}}, {"list", {{{"key", "k"}}}}};
  const auto errors = validate(doc);
  ASSERT_TRUE(errors.empty()) << formatErrors(errors);
  EXPECT_EQ(doc["count"], 3);
  EXPECT_EQ(doc["mode"], "safe");
  EXPECT_TRUE(doc.contains("maybe"));
  EXPECT_TRUE(doc["maybe"].is_null());
  EXPECT_EQ(doc["nested"]["inner"]["depth"], 7);  // default object, then its own defaults
  EXPECT_EQ(doc["list"][0]["on"], true);          // through $ref
  EXPECT_FALSE(doc.contains("ratio"));            // no default: stays absent
}

TEST(SchemaValidator, DefaultObjectIsFilledAndCheckedWhenAbsent) {
  json doc = json::object();
  const auto errors = validate(doc);
  // "nested" defaults to {} but requires "id": the schema author's mistake is visible.
  EXPECT_EQ(errorAt(errors, "/nested/id"), "is required");
}

TEST(SchemaValidator, TypeErrorsNameExpectedAndActualJsonTypes) {
  json doc = {{"name", 5}, {"flag", "yes"}, {"tags", "a"}, {"nested", {{"id", 1}}}, {"map", {{"a", "b"}}}, {"free", 1}};
  const auto errors = validate(doc);
  EXPECT_EQ(errorAt(errors, "/name"), "expected string, got number");
  EXPECT_EQ(errorAt(errors, "/flag"), "expected boolean, got string");
  EXPECT_EQ(errorAt(errors, "/tags"), "expected array, got string");
  EXPECT_EQ(errorAt(errors, "/map/a"), "expected integer, got string");
  EXPECT_EQ(errorAt(errors, "/free"), "expected object, got number");
  EXPECT_EQ(errors.size(), 5u) << formatErrors(errors);
}

TEST(SchemaValidator, UnionTypes) {
  json number = {{"maybe", 0.5}, {"nested", {{"id", 1}}}};
  EXPECT_TRUE(validate(number).empty());
  json null = {{"maybe", nullptr}, {"nested", {{"id", 1}}}};
  EXPECT_TRUE(validate(null).empty());
  json text = {{"maybe", "x"}, {"nested", {{"id", 1}}}};
  EXPECT_EQ(errorAt(validate(text), "/maybe"), "expected number or null, got string");
}

TEST(SchemaValidator, IntegersAcceptWholeFloatsAndNormalizeThem) {
  json doc = {{"count", 4.0}, {"nested", {{"id", 1}}}};
  ASSERT_TRUE(validate(doc).empty());
  EXPECT_TRUE(doc["count"].is_number_integer());
  json frac = {{"count", 4.5}, {"nested", {{"id", 1}}}};
  EXPECT_EQ(errorAt(validate(frac), "/count"), "expected integer, got number 4.5");
}

TEST(SchemaValidator, Ranges) {
  json doc = {{"count", 0}, {"ratio", 1.5}, {"nested", {{"id", 1}}}};
  const auto errors = validate(doc);
  EXPECT_EQ(errorAt(errors, "/count"), "must be >= 1, got 0");
  EXPECT_EQ(errorAt(errors, "/ratio"), "must be <= 1, got 1.5");
  json high = {{"count", 11}, {"nested", {{"id", 1}}}};
  EXPECT_EQ(errorAt(validate(high), "/count"), "must be <= 10, got 11");
}

TEST(SchemaValidator, Enum) {
  json doc = {{"mode", "slow"}, {"nested", {{"id", 1}}}};
  EXPECT_EQ(errorAt(validate(doc), "/mode"), "must be one of \"fast\", \"safe\", got \"slow\"");
}

TEST(SchemaValidator, MinLengthCountsCharacters) {
  json empty = {{"name", ""}, {"nested", {{"id", 1}}}};
  const auto e = validate(empty);
  EXPECT_EQ(errorsAt(e, "/name").front(), "must not be empty");
  json one = {{"name", "a"}, {"nested", {{"id", 1}}}};
  EXPECT_EQ(errorAt(validate(one), "/name"), "must be at least 2 characters, got 1");
  // Two characters, four bytes: long enough (but not matching the pattern).
  json wide = {{"name", "\xC3\xA9\xC3\xA9"}, {"nested", {{"id", 1}}}};
  EXPECT_THAT(errorAt(validate(wide), "/name"), HasSubstr("must match"));
}

TEST(SchemaValidator, Pattern) {
  json doc = {{"name", "Bad Name"}, {"nested", {{"id", 1}}}};
  EXPECT_EQ(errorAt(validate(doc), "/name"), "must match ^[a-z]+$, got \"Bad Name\"");
}

TEST(SchemaValidator, ArraysCheckMinItemsAndEveryItem) {
  json none = {{"tags", json::array()}, {"nested", {{"id", 1}}}};
  EXPECT_EQ(errorAt(validate(none), "/tags"), "needs at least 1 item, got 0");
  json items = {{"tags", {"a", "", 3}}, {"nested", {{"id", 1}}}};
  const auto errors = validate(items);
  EXPECT_EQ(errorAt(errors, "/tags/1"), "must not be empty");
  EXPECT_EQ(errorAt(errors, "/tags/2"), "expected string, got number");
}

TEST(SchemaValidator, RequiredNamesTheMissingKeysPointer) {
  json doc = {{"nested", json::object()}, {"list", {json::object()}}};
  const auto errors = validate(doc);
  EXPECT_EQ(errorAt(errors, "/nested/id"), "is required");
  EXPECT_EQ(errorAt(errors, "/list/0/key"), "is required");
}

TEST(SchemaValidator, UnknownKeysSuggestTheClosestKnownOne) {
  json doc = {{"nmae", "ab"}, {"nested", {{"id", 1}, {"ID", 2}}}, {"zzzzzz", 1}};
  const auto errors = validate(doc);
  EXPECT_EQ(errorAt(errors, "/nmae"),
            "unknown key; did you mean \"name\"? (known: anything, count, empty, flag, free, list, map, maybe, mode, "
            "name, nested, ratio, tags)");
  EXPECT_EQ(errorAt(errors, "/nested/ID"), "unknown key; did you mean \"id\"? (known: id, inner)");
  EXPECT_EQ(errorAt(errors, "/zzzzzz").rfind("unknown key (known: ", 0), 0u);
}

TEST(SchemaValidator, AdditionalPropertiesSchemaAndFreeForm) {
  json doc = {{"map", {{"a", 1}, {"b", 2}}}, {"free", {{"x", {1, 2}}}}, {"anything", {{"y", 1}}}, {"nested", {{"id", 1}}}};
  EXPECT_TRUE(validate(doc).empty());
  json empty = {{"empty", {{"k", 1}}}, {"nested", {{"id", 1}}}};
  EXPECT_EQ(errorAt(validate(empty), "/empty/k"), "unknown key (this object takes no keys)");
}

TEST(SchemaValidator, PointerTokensAreEscaped) {
  json doc = {{"map", {{"a/b", "x"}, {"c~d", "y"}}}, {"nested", {{"id", 1}}}};
  const auto errors = validate(doc);
  EXPECT_EQ(errorAt(errors, "/map/a~1b"), "expected integer, got string");
  EXPECT_EQ(errorAt(errors, "/map/c~0d"), "expected integer, got string");
}

TEST(SchemaValidator, RootTypeErrorUsesSlash) {
  json doc = json::array();
  EXPECT_EQ(errorAt(validate(doc), "/"), "expected object, got array");
}

TEST(SchemaValidator, EnvironmentOriginCoercesOnlyWholeSubstitutions) {
  json doc = {{"count", "5"}, {"flag", "true"}, {"ratio", "x"}, {"nested", {{"id", 1}}}};
  ValueOrigins origins = {{"/count", {ValueOrigin::Kind::kEnvironment, "${C}", "", false}},
                          {"/flag", {ValueOrigin::Kind::kEnvironment, "${F}", "", false}},
                          {"/ratio", {ValueOrigin::Kind::kEnvironment, "${R}", "", false}}};
  const auto errors = validate(doc, origins);
  EXPECT_EQ(doc["count"], 5);
  EXPECT_EQ(doc["flag"], true);
  EXPECT_EQ(errorAt(errors, "/ratio"), "expected number, got string \"x\" (from ${R})");
  EXPECT_EQ(errors.size(), 1u) << formatErrors(errors);
}

TEST(SchemaValidator, FailedOriginsAreSkipped) {
  json doc = {{"count", "${C}"}, {"nested", {{"id", 1}}}};
  ValueOrigins origins = {{"/count", {ValueOrigin::Kind::kEnvironment, "${C}", "", true}}};
  EXPECT_TRUE(validate(doc, origins).empty());
}

TEST(SchemaValidator, InvalidSchemaPatternIsReportedNotThrown) {
  const json schema = json::parse(R"({"properties": {"a": {"type": "string", "pattern": "(["}}})");
  json doc = {{"a", "x"}};
  std::vector<ConfigError> errors;
  ASSERT_NO_THROW(SchemaValidator(schema).validate(doc, {}, errors));
  EXPECT_EQ(errorAt(errors, "/a"), "the schema's pattern ([ is not a valid regular expression");
}

TEST(KeySuggestion, EditDistanceCountsSwapsAsOne) {
  EXPECT_EQ(editDistance("port", "port"), 0u);
  EXPECT_EQ(editDistance("prot", "port"), 1u);
  EXPECT_EQ(editDistance("thread", "threads"), 1u);
  EXPECT_EQ(editDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(editDistance("", "abc"), 3u);
}

TEST(KeySuggestion, OnlyPlausibleTyposAreSuggested) {
  const std::vector<std::string> known = {"host", "port", "threads", "max_body_bytes", "ip"};
  EXPECT_EQ(closestKey("prot", known), "port");
  EXPECT_EQ(closestKey("Port", known), "port");
  EXPECT_EQ(closestKey("max_bdy_byts", known), "max_body_bytes");
  EXPECT_EQ(closestKey("xp", known), "ip");
  EXPECT_EQ(closestKey("nope", known), std::nullopt);
  EXPECT_EQ(closestKey("xyz", known), std::nullopt);
}

TEST(SchemaValidator, KnownKeywordsCoverTheSubset) {
  for (const char* k : {"type", "properties", "additionalProperties", "required", "enum", "minimum", "maximum",
                        "minLength", "pattern", "items", "minItems", "default", "description", "$ref", "definitions"}) {
    EXPECT_TRUE(SchemaValidator::knownKeywords().count(k)) << k;
  }
  EXPECT_FALSE(SchemaValidator::knownKeywords().count("maxLength"));  // not implemented: must not pass silently
}

}  // namespace
}  // namespace wno::config::testing
