// /data/user_stats/counts against the configured collections: what the
// stats route and compute_user_stats count, and the errors a config that
// names something it lacks gets.
#include "data/collection.h"
#include "data/user_stats.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace wno::host::data {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using nlohmann::json;

std::map<std::string, Collection> collections() {
  std::vector<std::string> errors;
  auto c = collectionsFrom(json::parse(R"({
    "users": {"versioned": true, "fields": {"username": {"type": "text"}}},
    "battles": {"versioned": true, "fields": {"creator_id": {"type": "int64"}, "title": {"type": "text"}}}
  })"),
                           errors);
  EXPECT_TRUE(errors.empty()) << errors.front();
  return c;
}

std::vector<std::string> names(const std::vector<StatCount>& counts) {
  std::vector<std::string> out;
  for (const auto& c : counts) out.push_back(c.name + "=" + c.collection + "." + c.field);
  return out;
}

TEST(UserStats, TheDeclaredRelationsInOrder) {
  std::vector<std::string> errors;
  const auto counts = statCountsFrom(json::parse(R"([
    {"name": "made", "collection": "battles", "field": "creator_id"},
    {"name": "everyone", "collection": "users", "field": "id"}])"),
                                     collections(), errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_THAT(names(counts), ElementsAre("made=battles.creator_id", "everyone=users.id"));
  EXPECT_EQ(json::parse(statCountsJson(counts)),
            json::parse(R"([{"name":"made","collection":"battles","field":"creator_id"},
                            {"name":"everyone","collection":"users","field":"id"}])"));
}

TEST(UserStats, AnUnknownCollectionOrFieldIsAConfigErrorNamingIt) {
  std::vector<std::string> errors;
  statCountsFrom(json::parse(R"([
    {"name": "posts", "collection": "contents", "field": "user_id"},
    {"name": "joined", "collection": "battles", "field": "opponent_id"},
    {"name": "titles", "collection": "battles", "field": "title"},
    {"name": "user_id", "collection": "battles", "field": "creator_id"}])"),
                 collections(), errors);
  EXPECT_THAT(errors, ElementsAre("/data/user_stats/counts/0/collection: no collection \"contents\" in /data/collections",
                                  "/data/user_stats/counts/1/field: collection \"battles\" has no field \"opponent_id\"",
                                  "/data/user_stats/counts/2/field: \"battles.title\" is text; a user id is int64",
                                  "/data/user_stats/counts/3/name: \"user_id\" is already a member of the stats answer"));
}

TEST(UserStats, AnOptionalRelationThisConfigCannotCountIsLeftOut) {
  std::vector<std::string> errors;
  const auto counts = statCountsFrom(json::parse(R"([
    {"name": "posts", "collection": "contents", "field": "user_id", "optional": true},
    {"name": "joined", "collection": "battles", "field": "opponent_id", "optional": true},
    {"name": "made", "collection": "battles", "field": "creator_id", "optional": true}])"),
                                     collections(), errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_THAT(names(counts), ElementsAre("made=battles.creator_id"));
}

}  // namespace
}  // namespace wno::host::data
