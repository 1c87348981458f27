// The SQLite repository: collections as tables, the structured QUERY as
// parameterized SQL (shared builder), rows out as JSON objects. No ABI
// types here; sqlite_plugin.cpp makes it an SDK repository component.
#pragma once

#include "sqlite_database.h"
#include "sqlite_options.h"
#include "sql/row_json.h"
#include "sql/sql_builder.h"

#include <wno/sdk/error.hpp>

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

namespace wno::sqlite {

// Repository failures carry the ABI status they map to; the SDK's boundary
// returns it with the message.
using RepoError = wno::sdk::Error;

class SqliteRepository {
 public:
  explicit SqliteRepository(DatabaseOptions options);

  using RowSink = std::function<bool(const std::string& rowJson)>;  // false: stop

  void defineCollection(const nlohmann::json& collection);
  void query(const std::string& collection, const nlohmann::json& query, const RowSink& out);
  bool get(const std::string& collection, int64_t id, const std::vector<std::string>& fields, const RowSink& out);
  void insert(const std::string& collection, const nlohmann::json& row, const RowSink& out);
  std::vector<int64_t> insertMany(const std::string& collection, const nlohmann::json& rows);
  void update(const std::string& collection, int64_t id, int64_t expectedVersion, const nlohmann::json& patch,
              const RowSink& out);
  bool remove(const std::string& collection, int64_t id);
  int64_t count(const std::string& collection, const nlohmann::json& query);
  // Writes by filter (repository.h, 1.2): one write transaction; the rows
  // go to `out` after the commit.
  void updateWhere(const std::string& collection, const nlohmann::json& query, const nlohmann::json& patch,
                   const RowSink& out);
  void removeWhere(const std::string& collection, const nlohmann::json& query, const RowSink& out);

  Database& database() { return db_; }

 private:
  const sql::TableDef& table(const std::string& collection);
  void bindAll(Connection& c, sqlite3_stmt* stmt, const sql::Statement& s, const sql::TableDef& t);
  // One row as JSON text (row_json.h), appended to `out`.
  static void appendRow(std::string& out, sqlite3_stmt* stmt, const sql::RowJson& shape);
  // Steps a statement that returns rows, emitting each.
  size_t emitRows(Connection& c, sqlite3_stmt* stmt, const sql::Statement& s, const sql::TableDef& t,
                  const RowSink& out);
  [[noreturn]] void rethrow(const SqliteError& e, const sql::TableDef& t);
  // Runs a write that returns rows in its own transaction, then hands the
  // rows on: the write lock is released before a slow consumer sees them.
  void writeReturning(const sql::TableDef& t, const sql::Statement& s, const RowSink& out);

  Database db_;
  sql::SqlBuilder builder_{sql::Dialect::Sqlite};
  std::shared_mutex tablesMutex_;
  std::map<std::string, sql::TableDef> tables_;
};

}  // namespace wno::sqlite
