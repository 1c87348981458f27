// The job store binds finish batches as array literals: every element the
// host can hand over reaches PostgreSQL unchanged (quotes, backslashes,
// separators, empty strings, NULL, JSON, negative numbers), checked by
// unnesting the literals in a real server.
#include "pg_array.h"
#include "postgres_server.h"

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <optional>
#include <string>
#include <vector>

namespace wno::pg {
namespace {

std::vector<std::optional<std::string>> unnested(pqxx::connection& conn, const std::string& literal, const char* type) {
  pqxx::nontransaction tx(conn);
  std::vector<std::optional<std::string>> out;
  for (const auto& row : tx.exec_params(std::string("SELECT x::text FROM unnest($1::") + type + "[]) WITH ORDINALITY AS u(x, n) ORDER BY n", literal)) {
    out.push_back(row[0].is_null() ? std::nullopt : std::optional<std::string>(row[0].c_str()));
  }
  return out;
}

TEST(PgArrayLiteral, TextElementsArriveUnchanged) {
  wno::test::PostgresServer server;
  pqxx::connection conn(server.url());
  const std::vector<std::string> elements = {"plain", "", "with \"quotes\"", "back\\slash", "a,b", "{braces}",
                                             " spaced ", "NULL", "ünïcødé ✓", "line\nbreak"};
  ArrayLiteral literal;
  for (const auto& e : elements) literal.add(std::string_view(e));
  literal.addNull();
  const auto got = unnested(conn, literal.take(), "text");
  ASSERT_EQ(got.size(), elements.size() + 1);
  for (size_t i = 0; i < elements.size(); ++i) EXPECT_EQ(got[i], elements[i]) << "element " << i;
  EXPECT_EQ(got.back(), std::nullopt) << "NULL stays NULL, while the string \"NULL\" stays a string";
}

TEST(PgArrayLiteral, ANulByteBecomesAReplacementCharacterInsteadOfCuttingTheLiteral) {
  wno::test::PostgresServer server;
  pqxx::connection conn(server.url());
  ArrayLiteral literal;
  literal.add(std::string_view("before\0after", 12));
  literal.add(std::string_view("next"));
  const auto got = unnested(conn, literal.take(), "text");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], "before\xEF\xBF\xBD" "after");
  EXPECT_EQ(got[1], "next");
}

TEST(PgArrayLiteral, NumbersJsonAndOptionalElements) {
  wno::test::PostgresServer server;
  pqxx::connection conn(server.url());
  ArrayLiteral numbers;
  numbers.add(int64_t{-1});
  numbers.add(int64_t{0});
  numbers.add(int64_t{9007199254740993});
  EXPECT_EQ(unnested(conn, numbers.take(), "bigint"),
            (std::vector<std::optional<std::string>>{"-1", "0", "9007199254740993"}));

  ArrayLiteral documents;
  documents.add(std::optional<std::string>(R"({"a":"x\"y","b":[1,{"c":"\\"}]})"));
  documents.add(std::optional<std::string>());
  documents.add(std::optional<std::string>("\"just a string\""));
  EXPECT_EQ(unnested(conn, documents.take(), "json"),
            (std::vector<std::optional<std::string>>{R"({"a":"x\"y","b":[1,{"c":"\\"}]})", std::nullopt,
                                                     "\"just a string\""}));
}

TEST(PgArrayLiteral, TakeLeavesAnEmptyBuilderBehind) {
  ArrayLiteral literal;
  EXPECT_EQ(literal.take(), "{}");
  literal.add(int64_t{1});
  EXPECT_EQ(literal.take(), "{1}");
  literal.add(std::string_view("a"));
  EXPECT_EQ(literal.take(), "{\"a\"}");
}

}  // namespace
}  // namespace wno::pg
