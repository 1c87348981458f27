// Reading config files: every way a file can be wrong names the file, and
// malformed JSON names the line and column an editor would show.
#include "config/json_file.h"
#include "config/text_position.h"
#include "config_test_support.h"

namespace wno::config::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class JsonFileTest : public ConfigTest {};

TEST(TextPosition, CountsLinesAndCharactersNotBytes) {
  const std::string text = "ab\ncd\n\xC3\xA9x";  // "é" is two bytes
  EXPECT_EQ(positionOf(text, 0).line, 1u);
  EXPECT_EQ(positionOf(text, 0).column, 1u);
  EXPECT_EQ(positionOf(text, 4).line, 2u);
  EXPECT_EQ(positionOf(text, 4).column, 2u);
  EXPECT_EQ(positionOf(text, 8).line, 3u);
  EXPECT_EQ(positionOf(text, 8).column, 2u);  // 'x' is the second character of line 3
  EXPECT_EQ(positionOf(text, 999).column, 3u);  // clamped to the end
}

TEST_F(JsonFileTest, MalformedJsonNamesFileLineAndColumn) {
  const std::string p = file("broken.json", "{\n  \"http\": {\n    \"port\": 80,,\n  }\n}\n");
  auto r = load({p});
  ASSERT_EQ(r.errors.size(), 1u) << formatErrors(r.errors);
  EXPECT_EQ(r.errors[0].pointer, p);
  EXPECT_EQ(r.errors[0].message,
            "line 3, column 16: malformed JSON: syntax error while parsing object key - unexpected ','; "
            "expected string literal");
}

TEST_F(JsonFileTest, ColumnsCountCharactersAfterMultiByteText) {
  // The stray x is the 12th character but the 13th byte.
  auto r = load({file("utf8.json", "{\"a\": \"\xC3\xA9\", x}")});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_THAT(r.errors[0].message, StartsWith("line 1, column 12: malformed JSON: syntax error"));
}

TEST_F(JsonFileTest, TruncatedFilePointsPastTheEnd) {
  auto r = load({file("cut.json", "{\n  \"a\": 1")});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_THAT(r.errors[0].message, StartsWith("line 2, column 9: malformed JSON: syntax error"));
  EXPECT_THAT(r.errors[0].message, HasSubstr("unexpected end of input"));
}

TEST_F(JsonFileTest, NumberOverflowIsAnErrorNotAnException) {
  const std::string p = file("big.json", "{\n  \"http\": {\"port\": 1e400}\n}");
  LoadResult r;
  ASSERT_NO_THROW(r = load({p}));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].pointer, p);
  EXPECT_EQ(r.errors[0].message, "line 2, column 20: malformed JSON: number overflow parsing '1e400'");
}

TEST_F(JsonFileTest, EmptyFile) {
  const std::string p = file("empty.json", " \n\t\n");
  auto r = load({p});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].pointer, p);
  EXPECT_EQ(r.errors[0].message, "the file is empty; expected a JSON object");
}

TEST_F(JsonFileTest, MissingFileNamesThePathAndTheReason) {
  const std::string p = path("absent.json");
  auto r = load({p});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].pointer, p);
  EXPECT_EQ(r.errors[0].message, "cannot read the file: No such file or directory");
}

TEST_F(JsonFileTest, UnreadableFileNamesThePathAndTheReason) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads any file";
  const std::string p = file("locked.json", "{}");
  std::filesystem::permissions(p, std::filesystem::perms::none);
  auto r = load({p});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].message, "cannot read the file: Permission denied");
}

TEST_F(JsonFileTest, OpenFailureReasonComesFromTheSystem) {
  // Works as root too, unlike a permission test: a path through a file.
  const std::string p = file("plain.json", "{}") + "/inner.json";
  auto r = load({p});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].pointer, p);
  EXPECT_EQ(r.errors[0].message, "cannot read the file: Not a directory");
}

TEST_F(JsonFileTest, DirectoryIsNotAFile) {
  auto r = load({dir_.string()});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].pointer, dir_.string());
  EXPECT_EQ(r.errors[0].message, "is a directory, not a JSON file");
}

TEST_F(JsonFileTest, TopLevelMustBeAnObject) {
  const std::string p = file("array.json", "[1]");
  auto r = load({p});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].pointer, p);
  EXPECT_EQ(r.errors[0].message, "the top level must be a JSON object, got array");
}

TEST_F(JsonFileTest, DuplicateKeysAreErrorsAtTheirPointer) {
  const std::string p = file("dup.json", R"({
    "http": {"port": 1, "host": "a", "port": 2},
    "plugins": {"load": [{"name": "a"}, {"name": "b", "config": {"x": 1, "x": 2}}]},
    "a~b/c": 1, "a~b/c": 2
  })");
  auto r = load({p});
  ASSERT_EQ(r.errors.size(), 3u) << formatErrors(r.errors);
  EXPECT_EQ(errorAt(r, "/http/port"), "duplicate key in " + p + "; JSON keeps only one of them, remove the other");
  EXPECT_THAT(errorAt(r, "/plugins/load/1/config/x"), StartsWith("duplicate key in "));
  EXPECT_THAT(errorAt(r, "/a~0b~1c"), StartsWith("duplicate key in "));
}

TEST_F(JsonFileTest, SameKeyInDifferentObjectsIsFine) {
  auto r = loadText(R"({"plugins": {"load": [{"name": "a"}, {"name": "b"}]}, "cache": {"levels": [{"name": "a", "backend": "m"}]}})");
  EXPECT_TRUE(r.ok()) << formatErrors(r.errors);
}

TEST_F(JsonFileTest, EveryBrokenFileIsReportedAndNothingIsValidated) {
  const std::string a = file("a.json", "{");
  const std::string b = file("b.json", R"({"http": {"prot": 1}})");
  const std::string c = path("missing.json");
  auto r = load({a, b, c});
  ASSERT_EQ(r.errors.size(), 2u) << formatErrors(r.errors);
  EXPECT_EQ(r.errors[0].pointer, a);
  EXPECT_EQ(r.errors[1].pointer, c);
  EXPECT_EQ(errorAt(r, "/http/prot"), "");  // schema checks wait for readable files
}

TEST_F(JsonFileTest, ParseJsonTextReportsUnderTheGivenName) {
  std::vector<ConfigError> errors;
  EXPECT_FALSE(parseJsonText("{,}", "inline", errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].pointer, "inline");
  EXPECT_THAT(errors[0].message, StartsWith("line 1, column 2: malformed JSON"));
}

}  // namespace
}  // namespace wno::config::testing
