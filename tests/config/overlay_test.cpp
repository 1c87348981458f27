// Later --config files are RFC 7396 JSON Merge Patches over earlier ones,
// except that named lists merge entry by entry (keyed_merge.h).
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

TEST_F(OverlayTest, ListsWithoutAKeyAreReplacedWhole) {
  auto r = load({file("base.json", R"({"plugins": {"directories": ["/a", "/b"]}})"),
                 file("overlay.json", R"({"plugins": {"directories": ["/c"]}})")});
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  EXPECT_EQ(r.effective["plugins"]["directories"], json::parse(R"(["/c"])"));
}

TEST_F(OverlayTest, NamedListsGainNewEntriesAtTheEnd) {
  auto r = load({file("base.json", R"({"plugins": {"load": [{"name": "a"}, {"name": "b"}]}})"),
                 file("overlay.json", R"({"plugins": {"load": [{"name": "c"}]}})")});
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  EXPECT_EQ(r.effective["plugins"]["load"][0]["name"], "a");
  EXPECT_EQ(r.effective["plugins"]["load"][1]["name"], "b");
  EXPECT_EQ(r.effective["plugins"]["load"][2]["name"], "c");
  EXPECT_EQ(r.effective["plugins"]["load"].size(), 3u);
}

TEST_F(OverlayTest, AnEntryWithAKnownKeyIsMergedInPlace) {
  auto r = load({file("base.json", R"({"jobs": {"queues": [{"name": "default", "concurrency": 4, "critical": true},
                                                            {"name": "low"}]}})"),
                 file("overlay.json", R"({"jobs": {"queues": [{"name": "default", "concurrency": 8}]}})")});
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  const json& queues = r.effective["jobs"]["queues"];
  ASSERT_EQ(queues.size(), 2u);
  EXPECT_EQ(queues[0]["concurrency"], 8);
  EXPECT_EQ(queues[0]["critical"], true);
  EXPECT_EQ(queues[1]["name"], "low");
}

TEST_F(OverlayTest, EachNamedListUsesItsOwnKey) {
  auto r = load({file("base.json", R"({
      "jobs": {"handlers": [{"type": "a", "queue": "q1"}]},
      "health": {"probes": [{"type": "cpu"}, {"name": "disk", "type": "disk", "interval_ms": 100}]},
      "data": {"repositories": [{"type": "sqlite", "config": {"path": "x.db"}}]},
      "protection": {"rate_limits": [{"name": "api", "limit": 1}]},
      "load_factor": {"signals": [{"source": "probe:cpu", "weight": 1}]},
      "cache": {"levels": [{"name": "l1", "backend": "memory", "config": {"max_bytes": 1}}]}})"),
                 file("overlay.json", R"({
      "jobs": {"handlers": [{"type": "a", "queue": "q2"}]},
      "health": {"probes": [{"type": "cpu", "interval_ms": 50}, {"name": "disk", "interval_ms": 200}]},
      "data": {"repositories": [{"type": "sqlite", "config": {"busy_timeout_ms": 5}}]},
      "protection": {"rate_limits": [{"name": "api", "limit": 2}]},
      "load_factor": {"signals": [{"source": "probe:cpu", "weight": 0.5}]},
      "cache": {"levels": [{"name": "l1", "config": {"max_bytes": 2}}]}})")});
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  const json& c = r.effective;
  EXPECT_EQ(c["jobs"]["handlers"].size(), 1u);
  EXPECT_EQ(c["jobs"]["handlers"][0]["queue"], "q2");
  ASSERT_EQ(c["health"]["probes"].size(), 2u);  // a probe without a name is keyed by its type
  EXPECT_EQ(c["health"]["probes"][0]["interval_ms"], 50);
  EXPECT_EQ(c["health"]["probes"][1]["interval_ms"], 200);
  EXPECT_EQ(c["health"]["probes"][1]["type"], "disk");
  ASSERT_EQ(c["data"]["repositories"].size(), 1u);
  EXPECT_EQ(c["data"]["repositories"][0]["config"], json::parse(R"({"path": "x.db", "busy_timeout_ms": 5})"));
  EXPECT_EQ(c["protection"]["rate_limits"][0]["limit"], 2);
  EXPECT_EQ(c["load_factor"]["signals"][0]["weight"], 0.5);
  EXPECT_EQ(c["cache"]["levels"][0]["config"]["max_bytes"], 2);
  EXPECT_EQ(c["cache"]["levels"][0]["backend"], "memory");
}

TEST_F(OverlayTest, AnotherTypeReplacesTheEntryConfigIncluded) {
  auto r = load({file("base.json", R"({"data": {"repositories": [{"name": "main", "type": "sqlite", "config": {"path": "x.db"}}]},
                                      "jobs": {"store": {"type": "sqlite", "config": {"path": "j.db"}}}})"),
                 file("overlay.json", R"({"data": {"repositories": [{"name": "main", "type": "postgres", "config": {"url": "u"}}]},
                                         "jobs": {"store": {"type": "postgres", "config": {"url": "u"}}}})")});
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  EXPECT_EQ(r.effective["data"]["repositories"][0]["config"], json::parse(R"({"url": "u"})"));
  EXPECT_EQ(r.effective["jobs"]["store"]["config"], json::parse(R"({"url": "u"})"));
}

TEST_F(OverlayTest, RemoveDeletesOneEntry) {
  auto r = load({file("base.json", R"({"plugins": {"load": [{"name": "a"}, {"name": "b"}, {"name": "c"}]}})"),
                 file("overlay.json", R"({"plugins": {"load": [{"name": "b", "$remove": true}]}})")});
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  EXPECT_EQ(r.effective["plugins"]["load"], json::parse(R"([{"name": "a", "required": true, "config": {}},
                                                          {"name": "c", "required": true, "config": {}}])"));
}

TEST_F(OverlayTest, RemovingAnEntryThatIsNotThereIsAnError) {
  const std::string overlay = file("overlay.json", R"({"plugins": {"load": [{"name": "zz", "$remove": true}]}})");
  auto r = load({file("base.json", R"({"plugins": {"load": [{"name": "a"}]}})"), overlay});
  EXPECT_EQ(errorAt(r, "/plugins/load/0"),
            overlay + ": \"$remove\" names no entry with name \"zz\" in /plugins/load of the earlier files");
}

TEST_F(OverlayTest, AnEmptyListEmptiesANamedList) {
  auto r = load({file("base.json", R"({"protection": {"rate_limits": [{"name": "api", "limit": 10, "window_ms": 1000}]}})"),
                 file("overlay.json", R"({"protection": {"rate_limits": []}})")});
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  EXPECT_EQ(r.effective["protection"]["rate_limits"], json::array()) << "an overlay that turns every limit off";
}

TEST_F(OverlayTest, NullStillDeletesAWholeList) {
  auto r = load({file("base.json", R"({"plugins": {"load": [{"name": "a"}]}})"),
                 file("clear.json", R"({"plugins": {"load": null}})"),
                 file("new.json", R"({"plugins": {"load": [{"name": "b"}]}})")});
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  ASSERT_EQ(r.effective["plugins"]["load"].size(), 1u);
  EXPECT_EQ(r.effective["plugins"]["load"][0]["name"], "b");
}

// The issue's acceptance example: five lines add a plugin and a probe to the
// built-in default without restating either list.
TEST_F(OverlayTest, FiveLinesAddAPluginAndAProbeToTheDefault) {
  const std::string overlay = file("http-probe.json", R"({
  "plugins": {"load": [{"name": "http_probe"}]},
  "health": {"probes": [{"name": "upstream", "type": "http", "required": true,
                         "config": {"url": "http://127.0.0.1:9/livez"}}]}
})");
  auto base = load({kBuiltinDefaultName});
  auto r = load({kBuiltinDefaultName, overlay});
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  const json& plugins = r.effective["plugins"]["load"];
  ASSERT_EQ(plugins.size(), base.effective["plugins"]["load"].size() + 1);
  EXPECT_EQ(plugins.back()["name"], "http_probe");
  const json& probes = r.effective["health"]["probes"];
  ASSERT_EQ(probes.size(), base.effective["health"]["probes"].size() + 1);
  EXPECT_EQ(probes.back()["name"], "upstream");
  EXPECT_EQ(probes.back()["required"], true);
  // Everything else is the default's.
  json rest = r.effective;
  rest["plugins"]["load"].erase(rest["plugins"]["load"].size() - 1);
  rest["health"]["probes"].erase(rest["health"]["probes"].size() - 1);
  EXPECT_EQ(rest, base.effective);
}

TEST_F(OverlayTest, TheBuiltInDefaultIsConfigDefaultJson) {
  auto builtin = load({kBuiltinDefaultName});
  auto onDisk = load({sourceFile("config/default.json")});
  ASSERT_TRUE(builtin.ok()) << formatErrors(builtin.errors);
  EXPECT_EQ(builtin.effective, onDisk.effective);
}

TEST_F(OverlayTest, SourcesNameTheLayerEachValueCameFrom) {
  const std::string overlay = file("overlay.json", R"({"http": {"port": 9000}, "health": {"probes": [{"name": "disk", "interval_ms": 99}]}})");
  auto r = load({kBuiltinDefaultName, overlay}, {"/log/level=debug"}, {{"WNO_ADMIN_KEY", "k"}});
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  EXPECT_EQ(r.sources.at("/http/port"), overlay);
  EXPECT_EQ(r.sources.at("/http/host"), "@default");
  EXPECT_EQ(r.sources.at("/http/threads"), "@default");
  EXPECT_EQ(r.sources.at("/http/max_connections"), "schema default");
  EXPECT_EQ(r.sources.at("/health/probes/2/interval_ms"), overlay);
  EXPECT_EQ(r.sources.at("/health/probes/2/type"), "@default");
  EXPECT_EQ(r.sources.at("/log/level"), "--set /log/level=debug");
  EXPECT_EQ(r.sources.at("/admin/api_key"), "@default, ${WNO_ADMIN_KEY:-}");
  const std::string text = formatSources(redactSecrets(r.effective), r.sources);
  EXPECT_THAT(text, ::testing::HasSubstr("/http/port = 9000"));
  EXPECT_THAT(text, ::testing::ContainsRegex("/admin/api_key = \"\\*\\*\\*\" +<- @default, \\$\\{WNO_ADMIN_KEY:-\\}"));
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
