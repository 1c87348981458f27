// One reader for a component's config entry (plugins/component_config.h),
// and the sections that read their entries through it: /data/repositories,
// /health/probes and /cache/levels name, configure and point alike.
#include "plugins/component_config.h"

#include "cache/cache_options.h"
#include "data/data_options.h"
#include "health/health_options.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace wno::host {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

TEST(ComponentConfig, ReadsTheTypeNameConfigAndPointerOfAnEntry) {
  const config::FilledSection filled(json::parse(R"({"probes": [{"type": "disk", "name": "root",
                                                                  "config": {"path": "/"}}]})"),
                                     "/health");
  const ComponentConfig c = componentConfigFrom(filled.node().child("probes").item(0));
  EXPECT_EQ(c.type, "disk");
  EXPECT_EQ(c.name, "root");
  EXPECT_EQ(c.config, json::parse(R"({"path": "/"})"));
  EXPECT_EQ(c.pointer, "/health/probes/0");
  EXPECT_EQ(c.typeKey, "type");
}

TEST(ComponentConfig, AnUnnamedEntryTakesTheDefaultNameElseItsType) {
  const config::FilledSection filled(json::parse(R"({"levels": [{"backend": "memory"}]})"), "/cache");
  const config::OptionsNode level = filled.node().child("levels").item(0);
  EXPECT_EQ(componentConfigFrom(level, "backend").name, "memory");
  const ComponentConfig named = componentConfigFrom(level, "backend", "l1");
  EXPECT_EQ(named.name, "l1");
  EXPECT_EQ(named.typeKey, "backend");
  EXPECT_EQ(named.config, json::object()) << "the schema's default";
}

TEST(ComponentConfig, AMissingTypeNamesItsPointer) {
  const config::FilledSection filled(json::parse(R"({"levels": [{"name": "l1"}]})"), "/cache");
  try {
    (void)componentConfigFrom(filled.node().child("levels").item(0), "backend");
    ADD_FAILURE() << "expected OptionError";
  } catch (const config::OptionError& e) {
    EXPECT_THAT(e.what(), HasSubstr("/cache/levels/0/backend"));
  }
}

TEST(ComponentConfig, EverySectionReadsItsEntriesAlike) {
  const auto data = data::dataOptionsFrom(json::parse(R"({"repositories": [{"type": "sqlite"},
                                                                          {"type": "postgres", "name": "main"}]})"));
  ASSERT_EQ(data.repositories.size(), 2u);
  EXPECT_EQ(data.repositories[0].component.name, "sqlite");
  EXPECT_EQ(data.repositories[1].component.name, "main");
  EXPECT_EQ(data.repositories[1].component.pointer, "/data/repositories/1");

  const auto probes = probeConfigsFrom(json::parse(R"({"probes": [{"type": "cpu"}]})"));
  ASSERT_EQ(probes.size(), 1u);
  EXPECT_EQ(probes[0].component.name, "cpu");
  EXPECT_EQ(probes[0].options.name, "cpu");
  EXPECT_EQ(probes[0].component.typeKey, "type");

  const auto levels = cacheLevelsFrom(json::parse(R"({"levels": [{"backend": "memory"},
                                                                  {"backend": "redis", "name": "shared",
                                                                   "config": {"url": "redis://h"}}]})"));
  ASSERT_EQ(levels.size(), 2u);
  EXPECT_EQ(levels[0].name, "l1");
  EXPECT_EQ(levels[1].name, "shared");
  EXPECT_EQ(levels[1].config, json::parse(R"({"url": "redis://h"})"));
  EXPECT_EQ(levels[1].pointer, "/cache/levels/1");
  EXPECT_EQ(levels[1].typeKey, "backend");
}

}  // namespace
}  // namespace wno::host
