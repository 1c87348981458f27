// Later --config files are RFC 7396 JSON Merge Patches over earlier ones.
#include "config_test_support.h"

namespace wno::config::testing {
namespace {

using nlohmann::json;

class OverlayTest : public ConfigTest {};

TEST_F(OverlayTest, ObjectsMergeKeyByKey) {
  auto r = load({file("base.json", R"({"http": {"port": 1, "threads": 4}})"),
                 file("overlay.json", R"({"http": {"port": 2}, "log": {"level": "debug"}})")});
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  EXPECT_EQ(r.effective["http"]["port"], 2);
  EXPECT_EQ(r.effective["http"]["threads"], 4);
  EXPECT_EQ(r.effective["log"]["level"], "debug");
}

TEST_F(OverlayTest, NullDeletesAndTheDefaultReturns) {
  auto r = load({file("base.json", R"({"admin": {"api_key": "x"}, "http": {"threads": 4}})"),
                 file("overlay.json", R"({"admin": null, "http": {"threads": null}})")});
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  EXPECT_EQ(r.effective["admin"]["api_key"], "");
  EXPECT_EQ(r.effective["http"]["threads"], 16);
}

TEST_F(OverlayTest, ArraysAreReplacedWhole) {
  auto r = load({file("base.json", R"({"plugins": {"load": [{"name": "a"}, {"name": "b"}]}})"),
                 file("overlay.json", R"({"plugins": {"load": [{"name": "c"}]}})")});
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  ASSERT_EQ(r.effective["plugins"]["load"].size(), 1u);
  EXPECT_EQ(r.effective["plugins"]["load"][0]["name"], "c");
}

TEST_F(OverlayTest, LastFileWinsAcrossSeveral) {
  auto r = load({file("1.json", R"({"http": {"port": 1}})"), file("2.json", R"({"http": {"port": 2}})"),
                 file("3.json", R"({"http": {"port": 3}})")});
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  EXPECT_EQ(r.effective["http"]["port"], 3);
}

TEST_F(OverlayTest, ValidationSeesTheMergedDocument) {
  // Invalid in the base, fixed by the overlay: no error.
  auto fixed = load({file("base.json", R"({"http": {"port": "x"}})"), file("fix.json", R"({"http": {"port": 80}})")});
  EXPECT_TRUE(fixed.ok()) << formatErrors(fixed.errors);
  // Valid in the base, broken by the overlay: the error names the key, not the file.
  auto broken = load({file("ok.json", R"({"http": {"port": 80}})"), file("bad.json", R"({"http": {"port": -1}})")});
  EXPECT_EQ(errorAt(broken, "/http/port"), "must be >= 0, got -1");
}

TEST_F(OverlayTest, NoFilesMeansAllDefaults) {
  auto r = load({});
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  EXPECT_EQ(r.effective["http"]["port"], 8080);
}

}  // namespace
}  // namespace wno::config::testing
