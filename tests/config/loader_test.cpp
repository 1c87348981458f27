// loadConfig end to end: the shipped configs, every default the host relies
// on, errors from every stage collected in one run, and the error format.
#include "config_test_support.h"

namespace wno::config::testing {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

class LoaderTest : public ConfigTest {};

TEST_F(LoaderTest, DefaultConfigValidatesAndWiresTheEmbeddedSetup) {
  auto r = load({sourceFile("config/default.json")});
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  const json& c = r.effective;
  EXPECT_EQ(c["http"]["host"], "127.0.0.1");
  EXPECT_EQ(c["http"]["port"], 8080);
  EXPECT_EQ(c["admin"]["api_key"], "");  // ${WNO_ADMIN_KEY:-} with nothing set
  std::vector<std::string> plugins;
  for (const auto& p : c["plugins"]["load"]) plugins.push_back(p["name"]);
  EXPECT_THAT(plugins, ::testing::IsSupersetOf({"memory_cache", "system_probes"}));
  ASSERT_GE(c["cache"]["levels"].size(), 1u);
  EXPECT_EQ(c["cache"]["levels"][0]["name"], "l1");
  EXPECT_EQ(c["cache"]["levels"][0]["backend"], "memory");
  EXPECT_EQ(c["cache"]["levels"][0]["config"]["max_bytes"], 67108864);
  std::vector<std::string> probes;
  for (const auto& p : c["health"]["probes"]) probes.push_back(p["type"]);
  EXPECT_THAT(probes, ::testing::IsSupersetOf({"cpu", "memory", "disk"}));
}

TEST_F(LoaderTest, DefaultConfigTakesTheAdminKeyFromTheEnvironment) {
  auto r = load({sourceFile("config/default.json")}, {}, {{"WNO_ADMIN_KEY", "k"}});
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  EXPECT_EQ(r.effective["admin"]["api_key"], "k");
}

const Env kProductionEnv = {{"WNO_ADMIN_KEY", "k"},
                            {"WNO_DATABASE_URL", "postgres://u:p@db/wno"},
                            {"WNO_CURSOR_SECRET", "s"},
                            {"WNO_PORT", "9090"}};

TEST_F(LoaderTest, ProductionExampleValidatesWithItsEnvironment) {
  auto r = load({sourceFile("config/production.example.json")}, {}, kProductionEnv);
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  EXPECT_EQ(r.effective["http"]["host"], "0.0.0.0");
  EXPECT_EQ(r.effective["http"]["port"], 9090);  // "${WNO_PORT:-8080}" coerced
  EXPECT_EQ(r.effective["admin"]["api_key"], "k");
}

TEST_F(LoaderTest, ProductionExampleRefusesToStartWithoutItsSecrets) {
  auto r = load({sourceFile("config/production.example.json")});
  EXPECT_THAT(errorAt(r, "/admin/api_key"), HasSubstr("environment variable WNO_ADMIN_KEY is not set"));
  EXPECT_EQ(r.effective["http"]["port"], 8080);  // the default after ":-"
}

TEST_F(LoaderTest, ShippedConfigsWorkAsOverlays) {
  // default + production overlay is how an operator would layer them.
  auto r = load({sourceFile("config/default.json"), sourceFile("config/production.example.json")}, {"/http/threads=8"},
                kProductionEnv);
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  EXPECT_EQ(r.effective["http"]["threads"], 8);
}

TEST_F(LoaderTest, EmptyDocumentGetsEveryDefault) {
  auto r = loadText("{}");
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  const json& c = r.effective;
  EXPECT_EQ(c["http"], json::parse(R"({"host": "127.0.0.1", "port": 8080, "threads": 16, "loop_threads": 0,
      "max_queued": 256, "max_body_bytes": 1048576, "max_header_bytes": 16384, "keep_alive": true,
      "keep_alive_timeout_ms": 5000, "request_timeout_ms": 30000, "header_timeout_ms": 10000, "body_timeout_ms": 10000,
      "min_body_bytes_per_s": 1024, "max_connections": 10000, "access_log": true, "shutdown_grace_ms": 10000})"));
  EXPECT_EQ(c["log"], json::parse(R"({"level": "info", "format": "json"})"));
  EXPECT_EQ(c["admin"], json::parse(R"({"api_key": ""})"));
  EXPECT_EQ(c["plugins"], json::parse(R"({"directories": [], "load": []})"));
  EXPECT_EQ(c["cache"]["levels"], json::array());
  EXPECT_EQ(c["cache"]["default_ttl_ms"], 60000);
  EXPECT_EQ(c["health"], json::parse(R"({"probes": []})"));
}

TEST_F(LoaderTest, ItemDefaultsAreFilledInArrays) {
  auto r = loadText(R"({"plugins": {"load": [{"name": "memory_cache"}]},
                        "cache": {"levels": [{"name": "l1", "backend": "memory"}]},
                        "health": {"probes": [{"name": "cpu", "type": "cpu"}]}})");
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  EXPECT_EQ(r.effective["plugins"]["load"][0], json::parse(R"({"name": "memory_cache", "required": true, "config": {}})"));
  EXPECT_EQ(r.effective["cache"]["levels"][0]["config"], json::object());
  EXPECT_EQ(r.effective["health"]["probes"][0],
            json::parse(R"({"name": "cpu", "type": "cpu", "interval_ms": 5000, "timeout_ms": 2000, "required": false,
                            "config": {}, "breaker": {"failure_threshold": 5, "failure_rate": 0.5, "window": 20,
                            "minimum_calls": 10, "open_ms": 5000, "half_open_calls": 1}})"));
}

TEST_F(LoaderTest, SectionRules) {
  auto r = loadText(R"({
    "http": {"port": 65536, "threads": 0, "keep_alive": "yes"},
    "log": {"level": "verbose", "format": "xml"},
    "admin": {"api_key": 1},
    "plugins": {"directories": [""], "load": [{"required": true}, {"name": "Bad-Name"}, {"name": "ok", "config": []}]},
    "cache": {"levels": [{"name": "l1", "backend": 5}, {"name": "l2"}], "default_ttl_ms": 0},
    "health": {"probes": [{"name": "cpu", "type": "cpu", "interval_ms": "fast", "required": 1, "config": "x"}]}
  })");
  EXPECT_EQ(errorAt(r, "/http/port"), "must be <= 65535, got 65536");
  EXPECT_EQ(errorAt(r, "/http/threads"), "must be >= 1, got 0");
  EXPECT_EQ(errorAt(r, "/http/keep_alive"), "expected boolean, got string");
  EXPECT_EQ(errorAt(r, "/log/level"), "must be one of \"trace\", \"debug\", \"info\", \"warn\", \"error\", got \"verbose\"");
  EXPECT_EQ(errorAt(r, "/log/format"), "must be one of \"json\", \"text\", got \"xml\"");
  EXPECT_EQ(errorAt(r, "/admin/api_key"), "expected string, got number");
  EXPECT_EQ(errorAt(r, "/plugins/directories/0"), "must not be empty");
  EXPECT_EQ(errorAt(r, "/plugins/load/0/name"), "is required");
  EXPECT_THAT(errorAt(r, "/plugins/load/1/name"), HasSubstr("must match ^[a-z0-9_]"));
  EXPECT_EQ(errorAt(r, "/plugins/load/2/config"), "expected object, got array");
  EXPECT_EQ(errorAt(r, "/cache/levels/0/backend"), "expected string, got number");
  EXPECT_EQ(errorAt(r, "/cache/levels/1/backend"), "is required");
  EXPECT_EQ(errorAt(r, "/cache/default_ttl_ms"), "must be >= 1, got 0");
  EXPECT_EQ(errorAt(r, "/health/probes/0/interval_ms"), "expected integer, got string");
  EXPECT_EQ(errorAt(r, "/health/probes/0/required"), "expected boolean, got number");
  EXPECT_EQ(errorAt(r, "/health/probes/0/config"), "expected object, got string");
  EXPECT_EQ(r.errors.size(), 16u) << formatErrors(r.errors);
}

TEST_F(LoaderTest, PortZeroMeansEphemeralAndIsValid) {
  auto r = loadText(R"({"http": {"port": 0}})");
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  EXPECT_EQ(r.effective["http"]["port"], 0);
}

TEST_F(LoaderTest, UnknownKeysAtEveryLevel) {
  auto r = loadText(R"({"htp": {}, "http": {"prot": 1}, "plugins": {"load": [{"name": "a", "requried": false}]}})");
  EXPECT_THAT(errorAt(r, "/htp"), HasSubstr("unknown key; did you mean \"http\"? (known: "));
  EXPECT_THAT(errorAt(r, "/http/prot"), HasSubstr("unknown key; did you mean \"port\"? (known: "));
  EXPECT_THAT(errorAt(r, "/http/prot"), HasSubstr("host, keep_alive"));
  EXPECT_EQ(errorAt(r, "/plugins/load/0/requried"), "unknown key; did you mean \"required\"? (known: config, file, name, required)");
}

TEST_F(LoaderTest, ErrorsFromEveryStageAreCollectedInOneRun) {
  auto r = loadText(R"({"http": {"port": "${PORT}", "prot": 1}, "admin": {"api_key": "${KEY}"}})", {"/log/level=loud", "bad"},
                    {{"PORT", "x"}});
  EXPECT_EQ(errorAt(r, "--set bad"), "expected /json/pointer=value, e.g. --set /http/port=9000");
  EXPECT_THAT(errorAt(r, "/admin/api_key"), HasSubstr("environment variable KEY is not set"));
  EXPECT_THAT(errorAt(r, "/http/port"), HasSubstr("expected integer, got string \"x\""));
  EXPECT_THAT(errorAt(r, "/http/prot"), HasSubstr("unknown key"));
  EXPECT_THAT(errorAt(r, "/log/level"), HasSubstr("got \"loud\""));
  EXPECT_EQ(r.errors.size(), 5u) << formatErrors(r.errors);
  EXPECT_FALSE(r.ok());
}

TEST_F(LoaderTest, GarbageNeverThrows) {
  const std::vector<std::string> inputs = {"\xFF\xFE", "{\"a\":\"\xC3\"}", "nul", "{\"http\": {\"port\": -1e308}}",
                                           "{\"http\": {\"port\": 18446744073709551616}}", std::string(1, '\0'),
                                           "{\"http\": [[[[[[]]]]]]}", "{\"plugins\": {\"load\": {\"name\": 1}}}"};
  for (const auto& text : inputs) {
    EXPECT_NO_THROW(loadText(text, {"/x/y/z=1", "/=", "/http/port/0=1", "/plugins/load/-/name=${X"})) << text;
  }
}

TEST(FormatErrors, OneIndentedLinePerError) {
  EXPECT_EQ(formatErrors({{"/cache/levels/0/backend", "expected string, got number"}, {"/http/prot", "unknown key"}}),
            "  /cache/levels/0/backend: expected string, got number\n  /http/prot: unknown key\n");
  EXPECT_EQ(formatErrors({}), "");
  EXPECT_EQ(formatErrors({{"/a", "two\nlines"}}), "  /a: two lines\n");
}

TEST(ValidateConfig, ValidatesAndFillsAnInMemoryDocument) {
  json doc = {{"http", {{"port", 1}}}};
  EXPECT_TRUE(validateConfig(doc).empty());
  EXPECT_EQ(doc["http"]["host"], "127.0.0.1");
  json bad = {{"http", {{"port", "x"}}}};
  EXPECT_EQ(errorAt(validateConfig(bad), "/http/port"), "expected integer, got string");
}

}  // namespace
}  // namespace wno::config::testing
