// The SQL builder shared by the sqlite and postgres repositories: values are
// always bound, identifiers only come from the collection and are quoted,
// and keyset positions turn into index-friendly predicates.
#include "sql/sql_builder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace wno::sql {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using nlohmann::json;

TableDef battles() {
  return tableFromJson(json::parse(R"({
    "name": "battles", "table": "battles", "versioned": true,
    "fields": [{"name": "title", "type": "text", "nullable": false},
               {"name": "ends_at", "type": "timestamp", "nullable": true},
               {"name": "data", "type": "json"}],
    "indexes": [{"fields": ["ends_at", "id"]}]
  })"));
}

json sortBy(std::initializer_list<std::pair<const char*, bool>> keys) {
  json out = json::array();
  for (const auto& [field, desc] : keys) out.push_back({{"field", field}, {"desc", desc}});
  return out;
}

TEST(SqlBuilder, EveryValueIsBoundAndEveryIdentifierQuoted) {
  SqlBuilder pg(Dialect::Postgres);
  const std::string evil = "x'); DROP TABLE battles; --";
  auto s = pg.select(battles(), {{"filters", {{{"field", "title"}, {"op", "eq"}, {"value", evil}},
                                              {{"field", "id"}, {"op", "in"}, {"value", {1, 2, 3}}}}},
                                 {"sort", sortBy({{"id", false}})},
                                 {"limit", 21}});
  EXPECT_THAT(s.sql, Not(HasSubstr(evil)));
  EXPECT_THAT(s.sql, HasSubstr("\"title\" = $1"));
  EXPECT_THAT(s.sql, HasSubstr("\"id\" IN ($2, $3, $4)"));
  // The page size is the one value written into the text (see select()):
  // only an integer gets there.
  EXPECT_THAT(s.sql, HasSubstr("LIMIT 21"));
  ASSERT_EQ(s.params.size(), 4u);
  EXPECT_ANY_THROW(pg.select(battles(), {{"limit", "21; DROP TABLE battles"}}));
  EXPECT_EQ(s.params[0], evil);
  EXPECT_EQ(s.types[1], "int64");

  SqlBuilder lite(Dialect::Sqlite);
  auto q = lite.select(battles(), {{"filters", {{{"field", "title"}, {"op", "like"}, {"value", "a%"}}}}, {"limit", 5}});
  EXPECT_THAT(q.sql, HasSubstr("\"title\" LIKE ?"));
  // Names outside the collection are refused, whatever they look like.
  EXPECT_THROW(lite.select(battles(), {{"filters", {{{"field", "title\"; DROP"}, {"op", "eq"}, {"value", 1}}}}}),
               std::invalid_argument);
  EXPECT_THROW(lite.select(battles(), {{"fields", {"(SELECT 1)"}}}), std::invalid_argument);
  EXPECT_THROW(lite.select(battles(), {{"filters", {{{"field", "title"}, {"op", "; DROP"}, {"value", 1}}}}}),
               std::invalid_argument);
}

TEST(SqlBuilder, FieldsArePushedDownIntoTheSelectList) {
  SqlBuilder pg(Dialect::Postgres);
  auto s = pg.select(battles(), {{"fields", {"id", "title"}}, {"limit", 5}});
  EXPECT_EQ(s.sql.substr(0, s.sql.find(" FROM")), "SELECT \"id\", \"title\"");
  EXPECT_EQ(s.columns, (std::vector<std::string>{"id", "title"}));
  auto all = pg.select(battles(), {{"limit", 5}});
  EXPECT_EQ(all.columns, (std::vector<std::string>{"id", "created_at", "version", "title", "ends_at", "data"}));
}

TEST(SqlBuilder, AKeysetOverNotNullKeysSortedOneWayIsOneRowComparison) {
  SqlBuilder pg(Dialect::Postgres);
  auto byId = pg.select(battles(), {{"sort", sortBy({{"id", true}})}, {"after", {500}}, {"limit", 21}});
  EXPECT_THAT(byId.sql, HasSubstr("WHERE \"id\" < $1 ORDER BY \"id\" DESC LIMIT 21"));
  auto byCreated = pg.select(battles(), {{"sort", sortBy({{"created_at", true}, {"id", true}})},
                                         {"after", {"2026-11-01T00:00:00Z", 500}},
                                         {"limit", 21}});
  EXPECT_THAT(byCreated.sql, HasSubstr("(\"created_at\", \"id\") < ($1, $2)"));
  EXPECT_THAT(byCreated.sql, HasSubstr("ORDER BY \"created_at\" DESC, \"id\" DESC"));
  EXPECT_THAT(byCreated.sql, Not(HasSubstr("NULLS")));
  SqlBuilder lite(Dialect::Sqlite);
  auto asc = lite.select(battles(), {{"sort", sortBy({{"title", false}, {"id", false}})}, {"after", {"m", 7}}});
  EXPECT_THAT(asc.sql, HasSubstr("(\"title\", \"id\") > (?, ?)"));
}

TEST(SqlBuilder, MixedDirectionsAndNullableKeysExpandTheKeyset) {
  SqlBuilder pg(Dialect::Postgres);
  auto mixed = pg.select(battles(), {{"sort", sortBy({{"title", true}, {"id", false}})}, {"after", {"m", 7}}});
  EXPECT_THAT(mixed.sql, HasSubstr("((\"title\" < $1) OR (\"title\" = $2 AND \"id\" > $3))"));
  // NULL sorts as +infinity: after a non-null value ascending, NULLs still follow.
  auto nullable = pg.select(battles(), {{"sort", sortBy({{"ends_at", false}, {"id", false}})},
                                        {"after", {"2030-01-01T00:00:00Z", 7}}});
  EXPECT_THAT(nullable.sql, HasSubstr("(\"ends_at\" > $1 OR \"ends_at\" IS NULL)"));
  EXPECT_THAT(nullable.sql, HasSubstr("\"ends_at\" ASC NULLS LAST"));
  auto afterNull = pg.select(battles(), {{"sort", sortBy({{"ends_at", false}, {"id", false}})}, {"after", {nullptr, 7}}});
  EXPECT_THAT(afterNull.sql, HasSubstr("(\"ends_at\" IS NULL AND \"id\" > $1)"));
  EXPECT_THROW(pg.select(battles(), {{"sort", sortBy({{"id", false}})}, {"after", {1, 2}}}), std::invalid_argument);
}

TEST(SqlBuilder, CountIgnoresTheKeysetAndMigrationsAreIdempotent) {
  SqlBuilder pg(Dialect::Postgres);
  auto n = pg.count(battles(), {{"filters", {{{"field", "ends_at"}, {"op", "is_null"}}}}, {"after", {1}}});
  EXPECT_EQ(n.sql, "SELECT COUNT(*) FROM \"battles\" WHERE \"ends_at\" IS NULL");
  for (const auto& statement : pg.createTable(battles())) EXPECT_THAT(statement, HasSubstr("IF NOT EXISTS"));
}

// Writes by filter pick ids first (ORDER BY and LIMIT bound them in both
// dialects), lock them on PostgreSQL, bump versions, and return every column.
TEST(SqlBuilder, WritesByFilterAreOneStatementBoundedBySortAndLimit) {
  const json query = {{"filters", {{{"field", "title"}, {"op", "eq"}, {"value", "x"}}}},
                      {"sort", sortBy({{"ends_at", true}, {"id", true}})},
                      {"limit", 50}};
  SqlBuilder pg(Dialect::Postgres);
  auto update = pg.updateWhere(battles(), query, {{"title", "y"}});
  EXPECT_EQ(update.sql,
            "UPDATE \"battles\" SET \"title\" = $1, \"version\" = \"version\" + 1 WHERE \"id\" IN (SELECT \"id\" FROM "
            "\"battles\" WHERE \"title\" = $2 ORDER BY \"ends_at\" DESC NULLS FIRST, \"id\" DESC LIMIT $3 FOR UPDATE) "
            "RETURNING \"id\", \"created_at\", \"version\", \"title\", \"ends_at\", \"data\"");
  EXPECT_EQ(update.params, (std::vector<json>{"y", "x", 50}));
  EXPECT_EQ(update.columns.size(), 6u);
  auto remove = pg.removeWhere(battles(), query);
  EXPECT_THAT(remove.sql, ::testing::StartsWith("DELETE FROM \"battles\" WHERE \"id\" IN (SELECT \"id\""));
  EXPECT_THAT(remove.sql, HasSubstr("LIMIT $2 FOR UPDATE) RETURNING \"id\""));

  SqlBuilder lite(Dialect::Sqlite);
  auto liteUpdate = lite.updateWhere(battles(), query, {{"title", "y"}});
  EXPECT_THAT(liteUpdate.sql, HasSubstr("LIMIT ?) RETURNING"));
  EXPECT_THAT(liteUpdate.sql, Not(HasSubstr("FOR UPDATE")));
  // Groups and not reach the subquery's WHERE like a list's.
  auto grouped = lite.removeWhere(
      battles(), {{"filters", {{{"or", {{{"field", "title"}, {"op", "eq"}, {"value", "a"}},
                                        {{"field", "ends_at"}, {"op", "is_null"}}}},
                               {"not", true}}}},
                  {"limit", 5}});
  EXPECT_THAT(grouped.sql, HasSubstr("WHERE NOT ((\"title\" = ? OR \"ends_at\" IS NULL)) ORDER BY \"id\" ASC LIMIT ?"));
}

TEST(SqlBuilder, AWriteByFilterWithoutAFilterOrALimitIsRefused) {
  SqlBuilder pg(Dialect::Postgres);
  const json filters = {{{"field", "title"}, {"op", "eq"}, {"value", "x"}}};
  EXPECT_THROW(pg.updateWhere(battles(), {{"limit", 5}}, {{"title", "y"}}), std::invalid_argument);
  EXPECT_THROW(pg.removeWhere(battles(), {{"filters", json::array()}, {"limit", 5}}), std::invalid_argument);
  EXPECT_THROW(pg.removeWhere(battles(), {{"filters", filters}}), std::invalid_argument);
  EXPECT_THROW(pg.removeWhere(battles(), {{"filters", filters}, {"limit", 0}}), std::invalid_argument);
  EXPECT_THROW(pg.updateWhere(battles(), {{"filters", filters}, {"limit", 1}}, json::array()), std::invalid_argument);
  EXPECT_THROW(pg.updateWhere(battles(), {{"filters", filters}, {"limit", 1}}, {{"nosuch", 1}}), std::invalid_argument);
}

}  // namespace
}  // namespace wno::sql
