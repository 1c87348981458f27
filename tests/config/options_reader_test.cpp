// Reading options through config/schema.json's defaults
// (config/options_reader.h): a partial section gets the schema's defaults,
// and a key that is still missing or mistyped names its pointer.
#include "config/options_reader.h"

#include "config_test_support.h"

namespace wno::config::testing {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

TEST(OptionsReader, FillsTheSchemasDefaultsUnderAPointer) {
  const FilledSection filled(json::parse(R"({"lease_ms": 9000, "queues": [{"name": "q"}]})"), "/jobs");
  const OptionsNode jobs = filled.node();
  EXPECT_EQ(jobs.get<int64_t>("lease_ms"), 9000);
  EXPECT_EQ(jobs.get<int64_t>("poll_ms"), 1000);
  EXPECT_EQ(jobs.child("batching").get<int>("writers"), 2);
  EXPECT_EQ(jobs.child("queues").item(0).get<int>("prefetch"), 1000);
  EXPECT_EQ(jobs.child("queues").item(0).pointer(), "/jobs/queues/0");
  EXPECT_FALSE(jobs.find<std::string>("default_queue").has_value()) << "the schema gives it no default";
}

TEST(OptionsReader, AMissingOrMistypedKeyNamesItsPointer) {
  const FilledSection filled(json::parse(R"({"levels": [{"name": "l1"}]})"), "/cache");
  try {
    (void)filled.node().child("levels").item(0).get<std::string>("backend");
    ADD_FAILURE() << "expected OptionError";
  } catch (const OptionError& e) {
    EXPECT_THAT(e.what(), HasSubstr("/cache/levels/0/backend: is required"));
  }
  try {
    (void)filled.node().get<std::string>("default_ttl_ms");
    ADD_FAILURE() << "expected OptionError";
  } catch (const OptionError& e) {
    EXPECT_THAT(e.what(), HasSubstr("/cache/default_ttl_ms: "));
  }
}

TEST(OptionsReader, DefinitionsFillWhereverTheyAreUsed) {
  const json breaker = withDefinitionDefaults(json::parse(R"({"open_ms": 250})"), "breaker");
  EXPECT_EQ(breaker["open_ms"], 250);
  EXPECT_EQ(breaker["failure_threshold"], 5);
}

TEST(OptionsReader, TheWholeDocumentGetsEverySection) {
  const json config = withDefaults(json::object(), "");
  for (const char* section : {"http", "log", "cache", "data", "jobs", "health", "load_factor", "protection", "alerts"}) {
    EXPECT_TRUE(config.contains(section)) << section;
  }
  EXPECT_EQ(config["http"]["port"], 8080);
}

}  // namespace
}  // namespace wno::config::testing
