// The config loader: every feature and every error path, asserting the
// exact pointer and the message.
#include "config/config_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace wno::config {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() /
          ("wno-config-" + std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir);
  }
  void TearDown() override { std::filesystem::remove_all(dir); }
  std::string file(const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  }
  LoadResult load(std::vector<std::string> files, std::vector<std::string> overrides = {},
                  std::map<std::string, std::string> env = {}) {
    LoadOptions o;
    o.files = std::move(files);
    o.overrides = std::move(overrides);
    o.getenv = [env](const std::string& name) -> std::optional<std::string> {
      auto it = env.find(name);
      return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    return loadConfig(o);
  }
  // The message for a pointer, or "" when there is none.
  static std::string errorAt(const LoadResult& r, const std::string& pointer) {
    for (const auto& e : r.errors) {
      if (e.pointer == pointer) return e.message;
    }
    return "";
  }
  std::filesystem::path dir;
};

TEST_F(ConfigTest, ShippedConfigsValidate) {
  auto def = load({std::string(WNO_TEST_SOURCE_DIR) + "/config/default.json"});
  EXPECT_TRUE(def.ok()) << formatErrors(def.errors);
  EXPECT_EQ(def.effective["http"]["port"], 8080);
  auto prod = load({std::string(WNO_TEST_SOURCE_DIR) + "/config/production.example.json"}, {},
                   {{"WNO_ADMIN_KEY", "k"}, {"WNO_DATABASE_URL", "postgres://u:p@db/wno"}, {"WNO_CURSOR_SECRET", "s"}});
  EXPECT_TRUE(prod.ok()) << formatErrors(prod.errors);
}

TEST_F(ConfigTest, DefaultsAreFilledIn) {
  auto r = load({file("c.json", "{}")});
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  EXPECT_EQ(r.effective["http"]["host"], "127.0.0.1");
  EXPECT_EQ(r.effective["http"]["max_body_bytes"], 1048576);
  EXPECT_EQ(r.effective["log"]["level"], "info");
  EXPECT_EQ(r.effective["cache"]["breaker"]["failure_threshold"], 5);  // through $ref
  EXPECT_EQ(r.effective["plugins"]["load"], json::array());
}

TEST_F(ConfigTest, UnknownKeysWrongTypesAndRangesAreAllReported) {
  auto r = load({file("c.json", R"({"http": {"prot": 1, "port": "eighty", "threads": 0},
                                    "log": {"level": "loud"}, "nope": true,
                                    "plugins": {"load": [{"required": true}, {"name": "Bad Name"}]}})")});
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(errorAt(r, "/http/prot").substr(0, 35), "unknown key; did you mean \"port\"? (");
  EXPECT_EQ(errorAt(r, "/http/port"), "expected integer, got string");
  EXPECT_EQ(errorAt(r, "/http/threads"), "must be >= 1, got 0");
  EXPECT_THAT(errorAt(r, "/log/level"), HasSubstr("must be one of \"trace\", \"debug\""));
  EXPECT_THAT(errorAt(r, "/nope"), HasSubstr("unknown key"));
  EXPECT_EQ(errorAt(r, "/plugins/load/0/name"), "is required");
  EXPECT_THAT(errorAt(r, "/plugins/load/1/name"), HasSubstr("does not match"));
  EXPECT_GE(r.errors.size(), 7u);
}

TEST_F(ConfigTest, MalformedJsonNamesFileLineAndColumn) {
  const std::string path = file("broken.json", "{\n  \"http\": {\n    \"port\": 80,,\n  }\n}\n");
  auto r = load({path});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].pointer, path);
  EXPECT_THAT(r.errors[0].message, HasSubstr("line 3, column"));
  auto missing = load({(dir / "absent.json").string()});
  EXPECT_THAT(missing.errors[0].message, HasSubstr("cannot read the file"));
  auto notObject = load({file("array.json", "[1]")});
  EXPECT_EQ(notObject.errors[0].message, "the top level must be a JSON object");
}

TEST_F(ConfigTest, OverlaysMergeWithJsonMergePatch) {
  auto r = load({file("base.json", R"({"http": {"port": 1, "threads": 4}, "admin": {"api_key": "x"}})"),
                 file("overlay.json", R"({"http": {"port": 2}, "admin": null})")});
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  EXPECT_EQ(r.effective["http"]["port"], 2);
  EXPECT_EQ(r.effective["http"]["threads"], 4);
  EXPECT_EQ(r.effective["admin"]["api_key"], "");  // deleted by null, then defaulted
}

TEST_F(ConfigTest, SetOverridesParseJsonOrTakeText) {
  auto r = load({file("c.json", "{}")}, {"/http/port=9000", "/log/level=debug", "/plugins/load=[{\"name\":\"x\"}]"});
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  EXPECT_EQ(r.effective["http"]["port"], 9000);
  EXPECT_EQ(r.effective["log"]["level"], "debug");
  EXPECT_EQ(r.effective["plugins"]["load"][0]["name"], "x");
  auto bad = load({file("c.json", "{}")}, {"http.port=1"});
  EXPECT_THAT(bad.errors.at(0).message, HasSubstr("expected /json/pointer=value"));
}

TEST_F(ConfigTest, EnvSubstitutionWithDefaultsCoercionAndEscapes) {
  auto r = load({file("c.json", R"({"http": {"port": "${PORT:-8081}", "host": "${HOST}", "keep_alive": "${KA}"},
                                    "admin": {"api_key": "pre-${KEY}-$${LITERAL}"}})")},
                {}, {{"HOST", "0.0.0.0"}, {"KEY", "k1"}, {"KA", "false"}});
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  EXPECT_EQ(r.effective["http"]["port"], 8081);
  EXPECT_EQ(r.effective["http"]["host"], "0.0.0.0");
  EXPECT_EQ(r.effective["http"]["keep_alive"], false);
  EXPECT_EQ(r.effective["admin"]["api_key"], "pre-k1-${LITERAL}");
}

TEST_F(ConfigTest, UnsetVariablesAndUncoercibleValuesNameThePointer) {
  auto r = load({file("c.json", R"({"admin": {"api_key": "${MISSING}"}, "http": {"port": "${PORT}"}})")}, {},
                {{"PORT", "eighty"}});
  EXPECT_THAT(errorAt(r, "/admin/api_key"), HasSubstr("environment variable MISSING is not set"));
  EXPECT_EQ(errorAt(r, "/http/port"), "expected integer, got string");
  // Mixed text is never coerced: "port-${X}" stays a string.
  auto mixed = load({file("m.json", R"({"http": {"port": "1${X}"}})")}, {}, {{"X", "2"}});
  EXPECT_EQ(errorAt(mixed, "/http/port"), "expected integer, got string");
}

TEST_F(ConfigTest, SecretsAreRedacted) {
  json doc = {{"admin", {{"api_key", "hunter2"}}},
              {"data", {{"repositories", {{{"config", {{"url", "postgres://app:s3cret@db:5432/wno"}, {"password", "pw"}}}}}}}},
              {"cache", {{"levels", {{{"config", {{"url", "redis://:rpass@cache:6379/0"}}}}}}}},
              {"http", {{"host", "127.0.0.1"}}}};
  const std::string out = redactSecrets(doc).dump();
  EXPECT_THAT(out, ::testing::Not(HasSubstr("hunter2")));
  EXPECT_THAT(out, ::testing::Not(HasSubstr("s3cret")));
  EXPECT_THAT(out, ::testing::Not(HasSubstr("rpass")));
  EXPECT_THAT(out, HasSubstr("postgres://app:***@db:5432/wno"));
  EXPECT_THAT(out, HasSubstr("127.0.0.1"));
}

}  // namespace
}  // namespace wno::config
