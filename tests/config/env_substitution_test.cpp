// ${VAR}, ${VAR:-default} and $${ in string values, and the coercion of a
// whole substitution to the type the schema wants.
#include "config_test_support.h"

#include <cstdlib>

namespace wno::config::testing {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

class EnvTest : public ConfigTest {};

TEST_F(EnvTest, SubstitutesAnywhereAndSeveralPerString) {
  auto r = loadText(R"({"admin": {"api_key": "a-${X}-b-${Y}${X}"}, "http": {"host": "${HOST}"}})", {},
                    {{"X", "1"}, {"Y", "2"}, {"HOST", "0.0.0.0"}});
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  EXPECT_EQ(r.effective["admin"]["api_key"], "a-1-b-21");
  EXPECT_EQ(r.effective["http"]["host"], "0.0.0.0");
}

TEST_F(EnvTest, DefaultsApplyWhenUnsetOrEmpty) {
  auto r = loadText(R"({"admin": {"api_key": "${UNSET:-fallback}/${EMPTY:-e}/${SET:-no}/${UNSET2:-}"}})", {},
                    {{"EMPTY", ""}, {"SET", "yes"}});
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  EXPECT_EQ(r.effective["admin"]["api_key"], "fallback/e/yes/");
}

TEST_F(EnvTest, SetButEmptyWithoutDefaultIsEmpty) {
  auto r = loadText(R"({"admin": {"api_key": "${EMPTY}"}})", {}, {{"EMPTY", ""}});
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  EXPECT_EQ(r.effective["admin"]["api_key"], "");
}

TEST_F(EnvTest, DollarDollarBraceIsALiteral) {
  auto r = loadText(R"({"admin": {"api_key": "$${X} and ${X} and $$ and $x"}})", {}, {{"X", "v"}});
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  EXPECT_EQ(r.effective["admin"]["api_key"], "${X} and v and $$ and $x");
}

TEST_F(EnvTest, ValuesAreNotExpandedAgain) {
  auto r = loadText(R"({"admin": {"api_key": "${X}"}})", {}, {{"X", "${Y}"}, {"Y", "no"}});
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  EXPECT_EQ(r.effective["admin"]["api_key"], "${Y}");
}

TEST_F(EnvTest, KeysAreNotSubstituted) {
  auto r = loadText(R"({"plugins": {"load": [{"name": "a", "config": {"${X}": 1}}]}})", {}, {{"X", "k"}});
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  EXPECT_TRUE(r.effective["plugins"]["load"][0]["config"].contains("${X}"));
}

TEST_F(EnvTest, UnsetVariableIsAnErrorAtItsPointer) {
  auto r = loadText(R"({"plugins": {"directories": ["ok", "${PLUGIN_DIR}"]}})");
  ASSERT_EQ(r.errors.size(), 1u) << formatErrors(r.errors);
  EXPECT_EQ(errorAt(r, "/plugins/directories/1"),
            "environment variable PLUGIN_DIR is not set (use ${PLUGIN_DIR:-default} to allow that)");
}

TEST_F(EnvTest, EveryUnsetVariableInAStringIsReported) {
  auto r = loadText(R"({"admin": {"api_key": "${A}-${B}-${C:-c}"}})");
  const auto errors = errorsAt(r.errors, "/admin/api_key");
  ASSERT_EQ(errors.size(), 2u) << formatErrors(r.errors);
  EXPECT_THAT(errors[0], HasSubstr("environment variable A is not set"));
  EXPECT_THAT(errors[1], HasSubstr("environment variable B is not set"));
}

TEST_F(EnvTest, AnUnsetNumberIsReportedOnceNotAlsoAsATypeError) {
  auto r = loadText(R"({"http": {"port": "${PORT}"}})");
  ASSERT_EQ(r.errors.size(), 1u) << formatErrors(r.errors);
  EXPECT_THAT(errorAt(r, "/http/port"), HasSubstr("environment variable PORT is not set"));
}

TEST_F(EnvTest, InvalidReferences) {
  auto r = loadText(R"({"admin": {"api_key": "${1X}"}, "http": {"host": "${NOPE"}, "log": {"level": "${}"}})");
  EXPECT_EQ(errorAt(r, "/admin/api_key"),
            "\"${1X}\" is not a valid environment variable reference (names are letters, digits and _, not "
            "starting with a digit)");
  EXPECT_EQ(errorAt(r, "/http/host"), "unterminated \"${\" in \"${NOPE\" (write $${ for a literal ${)");
  EXPECT_THAT(errorAt(r, "/log/level"), HasSubstr("\"${}\" is not a valid environment variable reference"));
}

TEST_F(EnvTest, WholeSubstitutionIsCoercedToTheSchemaType) {
  auto r = loadText(R"({"http": {"port": "${PORT:-8080}", "keep_alive": "${KA}", "threads": "${T}"},
                        "load_factor": {"smoothing": "${S}", "fixed": "${F}"}})",
                    {}, {{"KA", "false"}, {"T", "4.0"}, {"S", "0.5"}, {"F", "0.25"}});
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  EXPECT_EQ(r.effective["http"]["port"], json(8080));
  EXPECT_TRUE(r.effective["http"]["port"].is_number_integer());
  EXPECT_EQ(r.effective["http"]["keep_alive"], false);
  EXPECT_TRUE(r.effective["http"]["threads"].is_number_integer());  // "4.0" -> 4
  EXPECT_EQ(r.effective["http"]["threads"], 4);
  EXPECT_DOUBLE_EQ(r.effective["load_factor"]["smoothing"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(r.effective["load_factor"]["fixed"].get<double>(), 0.25);
}

TEST_F(EnvTest, EmptyOrNullBecomesNullWhereTheSchemaAllowsNull) {
  auto r = loadText(R"({"load_factor": {"fixed": "${F:-}"}})");
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  EXPECT_TRUE(r.effective["load_factor"]["fixed"].is_null());
  auto n = loadText(R"({"load_factor": {"fixed": "${F}"}})", {}, {{"F", "null"}});
  ASSERT_TRUE(n.ok()) << formatErrors(n.errors);
  EXPECT_TRUE(n.effective["load_factor"]["fixed"].is_null());
}

TEST_F(EnvTest, CoercedValuesAreStillRangeChecked) {
  auto r = loadText(R"({"http": {"port": "${PORT}"}})", {}, {{"PORT", "70000"}});
  EXPECT_EQ(errorAt(r, "/http/port"), "must be <= 65535, got 70000");
}

TEST_F(EnvTest, NonCoercibleValueNamesPointerTypeAndSource) {
  auto r = loadText(R"({"http": {"port": "${PORT}", "keep_alive": "${KA:-yes}", "threads": "${T}"}})", {},
                    {{"PORT", "eighty"}, {"T", "2.5"}});
  EXPECT_EQ(errorAt(r, "/http/port"), "expected integer, got string \"eighty\" (from ${PORT})");
  EXPECT_EQ(errorAt(r, "/http/keep_alive"), "expected boolean, got string \"yes\" (from ${KA:-yes})");
  EXPECT_EQ(errorAt(r, "/http/threads"), "expected integer, got string \"2.5\" (from ${T})");
}

TEST_F(EnvTest, StringsWithOtherTextAreNeverCoerced) {
  for (const char* value : {"1${X}", "${X}${X}", "${X} ", "$${X}"}) {
    auto r = loadText(std::string(R"({"http": {"port": ")") + value + "\"}}", {}, {{"X", "2"}});
    EXPECT_THAT(errorAt(r, "/http/port"), HasSubstr("expected integer, got string")) << value;
  }
}

TEST_F(EnvTest, WhereTheSchemaWantsAStringNumbersStayText) {
  auto r = loadText(R"({"admin": {"api_key": "${K}"}})", {}, {{"K", "12345"}});
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  EXPECT_EQ(r.effective["admin"]["api_key"], "12345");
}

TEST_F(EnvTest, FreeFormPluginConfigKeepsStrings) {
  // The schema says nothing about a plugin's config, so nothing is coerced.
  auto r = loadText(R"({"plugins": {"load": [{"name": "a", "config": {"size": "${N}"}}]}})", {}, {{"N", "5"}});
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  EXPECT_EQ(r.effective["plugins"]["load"][0]["config"]["size"], "5");
}

TEST_F(EnvTest, DefaultsToTheProcessEnvironment) {
  ::setenv("WNO_CONFIG_TEST_PORT", "9123", 1);
  ::unsetenv("WNO_CONFIG_TEST_UNSET");
  LoadOptions o;
  o.files = {file("c.json", R"({"http": {"port": "${WNO_CONFIG_TEST_PORT}"}, "admin": {"api_key": "${WNO_CONFIG_TEST_UNSET}"}})")};
  auto r = loadConfig(o);
  ::unsetenv("WNO_CONFIG_TEST_PORT");
  EXPECT_EQ(r.effective["http"]["port"], 9123);
  EXPECT_THAT(errorAt(r, "/admin/api_key"), HasSubstr("environment variable WNO_CONFIG_TEST_UNSET is not set"));
}

}  // namespace
}  // namespace wno::config::testing
