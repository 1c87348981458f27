// --set /pointer=value: applied after the files, before ${ENV} substitution.
#include "config_test_support.h"

namespace wno::config::testing {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

class OverridesTest : public ConfigTest {
 protected:
  LoadResult set(std::vector<std::string> overrides, const std::string& base = "{}", Env env = {}) {
    return loadText(base, std::move(overrides), std::move(env));
  }
};

TEST_F(OverridesTest, ValueIsJsonWhenItParsesElseText) {
  auto r = set({"/http/port=9000", "/http/keep_alive=false", "/log/level=debug", "/http/host=\"0.0.0.0\"",
                "/plugins/load=[{\"name\":\"x\"}]"});
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  EXPECT_EQ(r.effective["http"]["port"], 9000);
  EXPECT_EQ(r.effective["http"]["keep_alive"], false);
  EXPECT_EQ(r.effective["log"]["level"], "debug");
  EXPECT_EQ(r.effective["http"]["host"], "0.0.0.0");
  EXPECT_EQ(r.effective["plugins"]["load"][0]["name"], "x");
  EXPECT_EQ(r.effective["plugins"]["load"][0]["required"], true);  // defaults reach --set values too
}

TEST_F(OverridesTest, OverridesTheFilesAndLaterOnesWin) {
  auto r = set({"/http/port=1", "/http/port=2"}, R"({"http": {"port": 80, "threads": 3}})");
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  EXPECT_EQ(r.effective["http"]["port"], 2);
  EXPECT_EQ(r.effective["http"]["threads"], 3);
}

TEST_F(OverridesTest, CreatesMissingObjects) {
  auto r = set({"/plugins/load=[{\"name\":\"a\"}]", "/plugins/load/0/config/nested/deep=1"});
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  EXPECT_EQ(r.effective["plugins"]["load"][0]["config"]["nested"]["deep"], 1);
}

TEST_F(OverridesTest, TextWhereTheSchemaWantsAStringEvenIfItLooksLikeJson) {
  auto r = set({"/admin/api_key=12345", "/http/host=true", "/plugins/load/-={\"name\":\"a\",\"file\":null}",
                "/plugins/load/0/file=1.5"});
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  EXPECT_EQ(r.effective["admin"]["api_key"], "12345");
  EXPECT_EQ(r.effective["http"]["host"], "true");
  EXPECT_EQ(r.effective["plugins"]["load"][0]["file"], "1.5");
}

TEST_F(OverridesTest, TextThatIsNotANumberWhereOneIsExpected) {
  auto r = set({"/http/port=80a"});
  EXPECT_EQ(errorAt(r, "/http/port"), "expected integer, got string \"80a\" (from --set /http/port=80a)");
}

TEST_F(OverridesTest, ReplacingAParentForgetsTheChildsRawText) {
  // The second --set replaces /admin with an object whose api_key is a real
  // number: that must not be "fixed" with the first --set's text.
  auto r = set({"/admin/api_key=123", "/admin={\"api_key\": 5}"});
  EXPECT_EQ(errorAt(r, "/admin/api_key"), "expected string, got number");
}

TEST_F(OverridesTest, ArrayIndexesAppendAndReplace) {
  const std::string base = R"({"plugins": {"load": [{"name": "a"}, {"name": "b"}]}})";
  auto r = set({"/plugins/load/1/name=c", "/plugins/load/-={\"name\":\"d\"}", "/plugins/load/3={\"name\":\"e\"}",
                "/plugins/load/4/name=f"},
               base);
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  std::vector<std::string> names;
  for (const auto& p : r.effective["plugins"]["load"]) names.push_back(p["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"a", "c", "d", "e", "f"}));
}

TEST_F(OverridesTest, ArrayIndexErrors) {
  const std::string base = R"({"plugins": {"load": [{"name": "a"}]}})";
  auto r = set({"/plugins/load/5/name=x", "/plugins/load/first/name=x", "/plugins/load/01=x"}, base);
  EXPECT_EQ(errorAt(r, "/plugins/load/5/name"),
            "--set cannot apply: array index 5 is out of range (/plugins/load has 1 items; use - to append)");
  EXPECT_EQ(errorAt(r, "/plugins/load/first/name"),
            "--set cannot apply: \"first\" is not an array index (/plugins/load is an array)");
  EXPECT_EQ(errorAt(r, "/plugins/load/01"), "--set cannot apply: \"01\" is not an array index (/plugins/load is an array)");
  EXPECT_EQ(r.effective["plugins"]["load"].size(), 1u);
}

TEST_F(OverridesTest, ScalarInTheWayIsAnErrorNotReplaced) {
  auto r = set({"/http/port/x=1"}, R"({"http": {"port": 80}})");
  EXPECT_EQ(errorAt(r, "/http/port/x"), "--set cannot apply: /http/port is a number, not an object or array");
  EXPECT_EQ(r.effective["http"]["port"], 80);
}

TEST_F(OverridesTest, PointerEscapes) {
  auto r = set({"/plugins/load=[{\"name\":\"a\"}]", "/plugins/load/0/config/a~1b~0c=1", "/http/x~2=1"});
  EXPECT_EQ(r.effective["plugins"]["load"][0]["config"]["a/b~c"], 1);
  EXPECT_EQ(errorAt(r, "/http/x~2"), "--set cannot apply: invalid escape in \"/http/x~2\" (write ~0 for ~ and ~1 for /)");
}

TEST_F(OverridesTest, MalformedOverrides) {
  auto r = set({"http.port=1", "/http/port"});
  EXPECT_EQ(errorAt(r, "--set http.port=1"), "expected /json/pointer=value, e.g. --set /http/port=9000");
  EXPECT_EQ(errorAt(r, "--set /http/port"), "expected /json/pointer=value, e.g. --set /http/port=9000");
}

TEST_F(OverridesTest, UnknownKeysAreCaughtByTheSchema) {
  auto r = set({"/http/prot=1"});
  EXPECT_THAT(errorAt(r, "/http/prot"), HasSubstr("unknown key; did you mean \"port\"?"));
}

TEST_F(OverridesTest, EmptyValueIsAnEmptyString) {
  auto r = set({"/admin/api_key="}, R"({"admin": {"api_key": "x"}})");
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  EXPECT_EQ(r.effective["admin"]["api_key"], "");
}

TEST_F(OverridesTest, ValuesAreSubstitutedFromTheEnvironmentAfterwards) {
  auto r = set({"/http/port=${P}"}, "{}", {{"P", "9001"}});
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  EXPECT_EQ(r.effective["http"]["port"], 9001);
}

TEST_F(OverridesTest, OutOfRangeNumberTextNeverThrows) {
  LoadResult r;
  ASSERT_NO_THROW(r = set({"/http/port=1e400"}));
  EXPECT_EQ(errorAt(r, "/http/port"), "expected integer, got string \"1e400\" (from --set /http/port=1e400)");
}

TEST_F(OverridesTest, AppendingToAMissingArrayCreatesIt) {
  auto r = set({"/plugins/directories/-=/opt/wno/plugins"});
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  EXPECT_EQ(r.effective["plugins"]["directories"], json({"/opt/wno/plugins"}));
}

}  // namespace
}  // namespace wno::config::testing
