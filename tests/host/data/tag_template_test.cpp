// cache.invalidates tag templates: parsing against the collection's fields,
// and the tags a written row names.
#include "data/collection.h"
#include "data/tag_template.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace wno::host::data {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using nlohmann::json;

const std::set<std::string> kFields = {"id", "creator_id", "opponent_id", "status"};

TagTemplate parsed(const std::string& text) {
  std::string error;
  auto t = TagTemplate::parse(text, kFields, error);
  EXPECT_TRUE(t) << error;
  return t ? *t : *TagTemplate::parse("x", kFields, error);
}

TEST(TagTemplate, FillsEachFieldFromTheRow) {
  const TagTemplate t = parsed("users:{creator_id}:stats");
  EXPECT_EQ(t.tagFor(json{{"creator_id", 7}}), "users:7:stats");
  EXPECT_EQ(t.tagFor(json{{"creator_id", "x7"}}), "users:x7:stats") << "strings as they are, not quoted";
  EXPECT_EQ(parsed("pair:{creator_id}-{opponent_id}").tagFor(json{{"creator_id", 1}, {"opponent_id", 2}}), "pair:1-2");
  EXPECT_EQ(parsed("leaderboard").tagFor(json::object()), "leaderboard") << "a constant tag is allowed";
  EXPECT_THAT(t.fields(), ElementsAre("creator_id"));
}

TEST(TagTemplate, ARowWithoutTheValueNamesNoTag) {
  const TagTemplate t = parsed("users:{opponent_id}:stats");
  EXPECT_EQ(t.tagFor(json{{"opponent_id", nullptr}}), std::nullopt);
  EXPECT_EQ(t.tagFor(json{{"creator_id", 3}}), std::nullopt);
}

TEST(TagTemplate, RefusesUnknownFieldsAndUnbalancedBraces) {
  std::string error;
  EXPECT_FALSE(TagTemplate::parse("users:{owner}:stats", kFields, error));
  EXPECT_THAT(error, HasSubstr("no field \"owner\""));
  EXPECT_FALSE(TagTemplate::parse("users:{creator_id:stats", kFields, error));
  EXPECT_THAT(error, HasSubstr("not closed"));
  EXPECT_FALSE(TagTemplate::parse("users:creator_id}", kFields, error));
  EXPECT_THAT(error, HasSubstr("without"));
  EXPECT_FALSE(TagTemplate::parse("", kFields, error));
}

TEST(TagTemplate, TagsForRowsAreEachNamedOnce) {
  const std::vector<TagTemplate> rules = {parsed("users:{creator_id}:stats"), parsed("users:{opponent_id}:stats")};
  const auto tags = tagsFor(rules, {json{{"creator_id", 1}, {"opponent_id", 2}}, json{{"creator_id", 2}},
                                    json("not an object")});
  EXPECT_THAT(tags, ElementsAre("users:1:stats", "users:2:stats"));
}

TEST(TagTemplate, APatchChangesTagsOnlyWhenItSetsAFieldTheyRead) {
  const std::vector<TagTemplate> rules = {parsed("users:{creator_id}:stats")};
  EXPECT_TRUE(patchChangesTags(rules, json{{"creator_id", 3}, {"status", "active"}}));
  EXPECT_FALSE(patchChangesTags(rules, json{{"status", "active"}}));
  EXPECT_FALSE(patchChangesTags({}, json{{"creator_id", 3}}));
}

TEST(TagTemplate, ConfigNamesTheBadRuleByItsPointer) {
  std::vector<std::string> errors;
  collectionsFrom(json::parse(R"({
    "battles": {"versioned": true, "fields": {"creator_id": {"type": "int64"}},
                "cache": {"invalidates": ["users:{creator_id}:stats", "users:{nobody}:stats", 5]}}
  })"), errors);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_THAT(errors[0], HasSubstr("/battles/cache/invalidates/1: {nobody}: the collection has no field \"nobody\""));
  EXPECT_THAT(errors[1], HasSubstr("/battles/cache/invalidates/2: expected a tag"));
}

}  // namespace
}  // namespace wno::host::data
