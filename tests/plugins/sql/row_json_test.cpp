// Row JSON written straight from column values: the same bytes
// nlohmann::json::dump() wrote for the same row (member order, escapes,
// numbers), so responses and ETags of unversioned rows do not change.
#include "sql/row_json.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <limits>

namespace wno::sql {
namespace {

using nlohmann::json;

std::string str(void (*fn)(std::string&, std::string_view), std::string_view v) {
  std::string out;
  fn(out, v);
  return out;
}

TEST(RowJson, StringsEscapeAsNlohmannDoes) {
  for (std::string text : {std::string("plain"), std::string("quote\" back\\ slash/"), std::string("\b\f\n\r\t"),
                           std::string("\x01\x1f\x7f", 3), std::string("caf\xC3\xA9 \xF0\x9F\x98\x80"),
                           std::string("nul\0in", 6)}) {
    EXPECT_EQ(str(appendString, text), json(text).dump()) << text;
  }
  // Invalid UTF-8 becomes U+FFFD (nlohmann's "replace" handler).
  EXPECT_EQ(str(appendString, "a\xFFz"), json("a\xFFz").dump(-1, ' ', false, json::error_handler_t::replace));
}

TEST(RowJson, NumbersAndJson) {
  for (double d : {0.0, 1.5, -2.25, 3.0, 1e-7, 123456.789, 1e21}) {
    std::string out;
    appendDouble(out, d);
    EXPECT_EQ(json::parse(out).get<double>(), d) << out;
    EXPECT_TRUE(json::parse(out).is_number_float()) << out << " stays a float";
  }
  std::string nan;
  appendDouble(nan, std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(nan, "null");
  std::string ints;
  appendInt(ints, std::numeric_limits<int64_t>::min());
  EXPECT_EQ(ints, "-9223372036854775808");
  EXPECT_EQ(str(appendJsonOrString, R"({"a":[1,2]})"), R"({"a":[1,2]})");
  EXPECT_EQ(str(appendJsonOrString, "not json"), "\"not json\"");
}

TEST(RowJson, MembersComeInNameOrder) {
  TableDef t;
  t.collection = t.table = "battles";
  t.versioned = true;
  t.columns = {{"title", "text"}, {"score", "double"}, {"active", "bool"}, {"meta", "json"}};
  const RowJson shape(t, t.allColumns());
  std::vector<std::string> names;
  for (const auto& m : shape.members()) names.push_back(m.prefix);
  EXPECT_EQ(names, (std::vector<std::string>{"\"active\":", "\"created_at\":", "\"id\":", "\"meta\":", "\"score\":",
                                             "\"title\":", "\"version\":"}));
  EXPECT_EQ(shape.members().front().kind, ValueKind::Bool);
  EXPECT_EQ(shape.members().front().column, 5u) << "index into the select list";
}

}  // namespace
}  // namespace wno::sql
