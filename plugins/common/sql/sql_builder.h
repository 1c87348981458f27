// Builds parameterized SQL for the repository QUERY of repository.h, shared
// by the SQLite and PostgreSQL plugins. Identifiers come only from the
// collection definition (config) and are quoted; every value is a bound
// parameter, except a read's page size (an integer written into the text, see
// select() in sql_builder.cpp). NULL sorts as +infinity in both dialects (PostgreSQL's default:
// ASC NULLS LAST, DESC NULLS FIRST), which keyset comparisons rely on.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace wno::sql {

enum class Dialect { Sqlite, Postgres };

// How deep or/and groups may nest in a QUERY (the host allows 4 levels in a
// request; plugins calling repo_query get some room beyond that).
constexpr int kMaxConditionDepth = 8;

struct ColumnDef {
  std::string name;
  std::string type;  // int64 text bool double timestamp json
  bool nullable = true;
  bool unique = false;
  nlohmann::json defaultValue;
};

struct TableDef {
  std::string collection;
  std::string table;
  bool versioned = false;
  std::vector<ColumnDef> columns;            // user fields, without id/created_at/version
  std::vector<nlohmann::json> indexes;       // {"fields":[...],"unique":bool}

  // Every column including the built-in ones, in table order.
  std::vector<std::string> allColumns() const;
  const ColumnDef* column(const std::string& name) const;
  std::string typeOf(const std::string& name) const;  // includes built-ins
  bool nullable(const std::string& name) const;        // built-ins are never null
};

// Parses a COLLECTION document; throws std::invalid_argument naming what is wrong.
TableDef tableFromJson(const nlohmann::json& collection);

struct Statement {
  std::string sql;
  std::vector<nlohmann::json> params;  // in placeholder order
  std::vector<std::string> types;      // each param's column type (json values bind as their text)
  std::vector<std::string> columns;    // selected columns, in order
};

class SqlBuilder {
 public:
  explicit SqlBuilder(Dialect dialect) : dialect_(dialect) {}

  std::string quote(const std::string& identifier) const;
  std::vector<std::string> createTable(const TableDef& t) const;  // CREATE TABLE/INDEX IF NOT EXISTS
  // A field the table lacks: ALTER TABLE ADD COLUMN (nullable), then its
  // unique index if it is unique. Run only for a column that is missing.
  std::vector<std::string> addColumn(const TableDef& t, const ColumnDef& c) const;
  // QUERY -> SELECT; throws std::invalid_argument for fields the table lacks.
  Statement select(const TableDef& t, const nlohmann::json& query) const;
  Statement count(const TableDef& t, const nlohmann::json& query) const;
  Statement insert(const TableDef& t, const nlohmann::json& row) const;
  // UPDATE ... WHERE id AND (version) RETURNING *
  Statement update(const TableDef& t, int64_t id, int64_t expectedVersion, const nlohmann::json& patch) const;
  Statement getById(const TableDef& t, int64_t id, const std::vector<std::string>& fields) const;
  Statement remove(const TableDef& t, int64_t id) const;
  // Writes by filter (repository.h, on_update_where / on_delete_where): the
  // rows QUERY selects (filters and limit required, in its sort order)
  // change in one statement, UPDATE|DELETE ... WHERE "id" IN (SELECT "id"
  // ... ORDER BY ... LIMIT n [FOR UPDATE]) RETURNING every column.
  // Throws std::invalid_argument for a QUERY without filters or limit.
  Statement updateWhere(const TableDef& t, const nlohmann::json& query, const nlohmann::json& patch) const;
  Statement removeWhere(const TableDef& t, const nlohmann::json& query) const;

 private:
  std::string placeholder(size_t index) const;  // 1-based
  std::string columnType(const std::string& type) const;
  std::string where(const TableDef& t, const nlohmann::json& query, Statement& s, bool withKeyset) const;
  // One QUERY filter: a field condition or an or/and group, either negated.
  std::string condition(const TableDef& t, const nlohmann::json& filter, Statement& s, int depth) const;
  std::string bind(Statement& s, const nlohmann::json& value, const std::string& type) const;
  std::string selectList(const TableDef& t, const nlohmann::json& fields, std::vector<std::string>& columns) const;
  std::string orderBy(const TableDef& t, const nlohmann::json& sort) const;
  // "col" = $n, ... for the patch's fields, plus the version bump.
  std::string assignments(const TableDef& t, const nlohmann::json& patch, Statement& s) const;
  // "id" IN (SELECT "id" ...) for the rows a write by filter selects.
  std::string selectedIds(const TableDef& t, const nlohmann::json& query, Statement& s) const;

  Dialect dialect_;
};

}  // namespace wno::sql
