// Rows as text: the validating member scan, projection and the page body
// spliced from row bytes, checked against nlohmann::json's own reading.
#include "data/page_body.h"
#include "data/row_text.h"

#include <gtest/gtest.h>

namespace wno::host::data {
namespace {

using nlohmann::json;

TEST(RowText, AcceptsExactlyOneWellFormedObject) {
  for (const char* good : {R"({})", R"( {"a":1} )", R"({"a":[1,2,{"b":null}],"c":"x\"y\\u00e9","d":-1.5e+3,"e":true})",
                           "{\"s\":\"caf\xC3\xA9\"}"}) {
    EXPECT_TRUE(isJsonObject(good)) << good;
    EXPECT_TRUE(json::accept(std::string(good))) << good;
  }
  for (const char* bad : {"", "[]", "1", R"({"a":1)", R"({"a":1}{})", R"({"a":01})", R"({"a":1,})", R"({a:1})",
                          R"({"a":"\x"})", R"({"a":tru})", R"({"a":"unterminated})", "{\"a\":\"\x01\"}",
                          "{\"a\":\"\xC3\"}", R"({"a":1.})", R"({"a":-})"}) {
    EXPECT_FALSE(isJsonObject(bad)) << bad;
    EXPECT_FALSE(json::accept(std::string(bad)) && std::string(bad).front() == '{') << bad;
  }
  std::string deep(100, '[');
  deep = "{\"a\":" + deep + std::string(100, ']') + "}";
  EXPECT_FALSE(isJsonObject(deep)) << "nesting is bounded";
}

TEST(RowText, MembersIntsAndProjection) {
  const std::string row = R"({"created_at":"2026-01-01T00:00:00Z","id":42,"meta":{"id":7},"title":"a,b","version":3})";
  EXPECT_EQ(intMember(row, "id"), 42);
  EXPECT_EQ(intMember(row, "version"), 3);
  EXPECT_EQ(intMember(row, "title"), std::nullopt);
  EXPECT_EQ(intMember(row, "missing"), std::nullopt);
  std::string out = "prefix:";
  ASSERT_TRUE(appendProjected(out, row, {"title", "meta", "nope"}));
  EXPECT_EQ(out, R"(prefix:{"meta":{"id":7},"title":"a,b"})");
  std::string bad = "x";
  EXPECT_FALSE(appendProjected(bad, R"({"a":)", {"a"}));
  EXPECT_EQ(bad, "x") << "nothing half-written";
}

ListQuery query(int limit, std::vector<std::string> fields, std::vector<SortKey> sort) {
  ListQuery q;
  q.limit = limit;
  q.fields = std::move(fields);
  q.sort = std::move(sort);
  return q;
}

TEST(PageBody, SplicesRowsAndReadsTheCursorKeysOfTheLastOne) {
  const std::vector<std::string> rows = {R"({"created_at":"c1","id":1,"title":"one"})",
                                         R"({"created_at":"c2","id":2,"title":"two"})",
                                         R"({"created_at":"c3","id":3,"title":"three"})"};
  const auto q = query(2, {}, {{"created_at", true}, {"id", true}});
  PageBody page(q);
  for (const auto& r : rows) ASSERT_TRUE(page.add(r).isOk());
  EXPECT_EQ(page.rows(), 2u);
  EXPECT_TRUE(page.hasMore());
  EXPECT_EQ(page.lastKeys(), json::array({"c2", 2}));
  page.finish("abc.def");
  const json expected = {{"data", json::array({json::parse(rows[0]), json::parse(rows[1])})},
                         {"has_more", true},
                         {"next_cursor", "abc.def"}};
  EXPECT_EQ(page.text(), expected.dump()) << "the bytes the document used to dump";

  // Fields that leave out a sort key: the key still reaches the cursor.
  const auto projected = query(5, {"title"}, {{"created_at", false}, {"id", false}});
  PageBody small(projected);
  for (const auto& r : rows) ASSERT_TRUE(small.add(r).isOk());
  EXPECT_FALSE(small.hasMore());
  EXPECT_EQ(small.lastKeys(), json::array({"c3", 3}));
  small.finish("");
  EXPECT_EQ(small.text(), R"({"data":[{"title":"one"},{"title":"two"},{"title":"three"}],"has_more":false,"next_cursor":null})");

  PageBody broken(q);
  EXPECT_EQ(broken.add("{\"id\":").code(), WNO_ERR_INTERNAL);
}

}  // namespace
}  // namespace wno::host::data
