#include "sqlite_repository.h"

#include <wno/common.h>

#include <set>
#include <string_view>

namespace wno::sqlite {
namespace {

// Binds one JSON value by the column's declared type.
void bindValue(Connection& c, sqlite3_stmt* stmt, int index, const nlohmann::json& v, const std::string& type) {
  int rc = SQLITE_OK;
  if (v.is_null()) {
    rc = sqlite3_bind_null(stmt, index);
  } else if (type == "json") {
    const std::string text = v.dump();
    rc = sqlite3_bind_text(stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  } else if (v.is_boolean()) {
    rc = sqlite3_bind_int64(stmt, index, v.get<bool>() ? 1 : 0);
  } else if (v.is_number_integer()) {
    rc = sqlite3_bind_int64(stmt, index, v.get<int64_t>());
  } else if (v.is_number()) {
    rc = sqlite3_bind_double(stmt, index, v.get<double>());
  } else if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    rc = sqlite3_bind_text(stmt, index, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  } else {
    const std::string text = v.dump();
    rc = sqlite3_bind_text(stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  if (rc != SQLITE_OK) c.fail(rc, "bind");
}

// A statement from the SQL builder; what it refuses (an unknown field or
// operator, a bad value) is the caller's error.
template <typename Fn>
sql::Statement build(Fn&& fn) {
  try {
    return fn();
  } catch (const std::exception& e) {
    throw RepoError(WNO_ERR_INVALID, e.what());
  }
}

}  // namespace

SqliteRepository::SqliteRepository(DatabaseOptions options)
    : db_(options.path, options.poolSize, options.busyTimeoutMs) {}

const sql::TableDef& SqliteRepository::table(const std::string& collection) {
  std::shared_lock lock(tablesMutex_);
  auto it = tables_.find(collection);
  if (it == tables_.end()) throw RepoError(WNO_ERR_INVALID, "collection \"" + collection + "\" is not defined here");
  return it->second;
}

void SqliteRepository::rethrow(const SqliteError& e, const sql::TableDef& t) {
  if (e.isConstraint()) throw RepoError(WNO_ERR_CONFLICT, std::string(t.collection) + ": " + e.what());
  if (e.isBusy()) throw RepoError(WNO_ERR_UNAVAILABLE, std::string("database busy: ") + e.what());
  throw RepoError(WNO_ERR_INTERNAL, e.what());
}

void SqliteRepository::defineCollection(const nlohmann::json& collection) {
  sql::TableDef t;
  try {
    t = sql::tableFromJson(collection);
  } catch (const std::exception& e) {
    throw RepoError(WNO_ERR_INVALID, std::string("bad collection definition: ") + e.what());
  }
  auto c = db_.acquire();
  try {
    inWriteTransaction(*c, [&] {
      // The table, then the columns config gained since it was made, then
      // the indexes: an index naming a column not there yet would otherwise
      // be built over the string literal SQLite reads the quoted name as.
      const auto statements = builder_.createTable(t);
      c->exec(statements.front());
      std::set<std::string> existing;
      sqlite3_stmt* info = c->prepare("SELECT name FROM pragma_table_info(?)");
      sqlite3_bind_text(info, 1, t.table.c_str(), -1, SQLITE_TRANSIENT);
      while (sqlite3_step(info) == SQLITE_ROW) existing.insert(reinterpret_cast<const char*>(sqlite3_column_text(info, 0)));
      sqlite3_reset(info);
      for (const auto& col : t.columns) {
        if (existing.count(col.name)) continue;
        for (const auto& statement : builder_.addColumn(t, col)) c->exec(statement);
      }
      for (size_t i = 1; i < statements.size(); ++i) c->exec(statements[i]);
      return 0;
    });
  } catch (const SqliteError& e) {
    throw RepoError(WNO_ERR_INTERNAL, "creating table " + t.table + ": " + e.what());
  }
  std::unique_lock lock(tablesMutex_);
  tables_[t.collection] = std::move(t);
}

void SqliteRepository::bindAll(Connection& c, sqlite3_stmt* stmt, const sql::Statement& s, const sql::TableDef&) {
  for (size_t i = 0; i < s.params.size(); ++i) {
    bindValue(c, stmt, static_cast<int>(i + 1), s.params[i], s.types[i]);
  }
}

void SqliteRepository::appendRow(std::string& out, sqlite3_stmt* stmt, const sql::RowJson& shape) {
  sql::appendObject(
      out, shape, [&](size_t column) { return sqlite3_column_type(stmt, static_cast<int>(column)) == SQLITE_NULL; },
      [&](std::string& json, const sql::RowJson::Member& m) {
        const int col = static_cast<int>(m.column);
        switch (m.kind) {
          case sql::ValueKind::Int64: sql::appendInt(json, sqlite3_column_int64(stmt, col)); break;
          case sql::ValueKind::Bool: sql::appendBool(json, sqlite3_column_int64(stmt, col) != 0); break;
          case sql::ValueKind::Double: sql::appendDouble(json, sqlite3_column_double(stmt, col)); break;
          case sql::ValueKind::Text:
          case sql::ValueKind::Json: {
            const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, col));
            const std::string_view value(text ? text : "", static_cast<size_t>(sqlite3_column_bytes(stmt, col)));
            m.kind == sql::ValueKind::Json ? sql::appendJsonOrString(json, value) : sql::appendString(json, value);
            break;
          }
        }
      });
}

size_t SqliteRepository::emitRows(Connection& c, sqlite3_stmt* stmt, const sql::Statement& s, const sql::TableDef& t,
                                  const RowSink& out) {
  bindAll(c, stmt, s, t);
  // Built per call: cheap next to the statement, and SQLite has no round trip to hide it behind.
  const sql::RowJson shape(t, s.columns);
  std::string text;
  size_t rows = 0;
  for (;;) {
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) c.fail(rc, "step");
    ++rows;
    text.clear();
    appendRow(text, stmt, shape);
    if (!out(text)) break;
  }
  sqlite3_reset(stmt);
  return rows;
}

void SqliteRepository::query(const std::string& collection, const nlohmann::json& query, const RowSink& out) {
  const sql::TableDef& t = table(collection);
  const sql::Statement s = build([&] { return builder_.select(t, query); });
  auto c = db_.acquire();
  try {
    emitRows(*c, c->prepare(s.sql), s, t, out);
  } catch (const SqliteError& e) {
    rethrow(e, t);
  }
}

bool SqliteRepository::get(const std::string& collection, int64_t id, const std::vector<std::string>& fields,
                           const RowSink& out) {
  const sql::TableDef& t = table(collection);
  const sql::Statement s = build([&] { return builder_.getById(t, id, fields); });
  auto c = db_.acquire();
  try {
    return emitRows(*c, c->prepare(s.sql), s, t, out) > 0;
  } catch (const SqliteError& e) {
    rethrow(e, t);
  }
}

void SqliteRepository::insert(const std::string& collection, const nlohmann::json& row, const RowSink& out) {
  const sql::TableDef& t = table(collection);
  const sql::Statement s = build([&] { return builder_.insert(t, row); });
  auto c = db_.acquire();
  try {
    inWriteTransaction(*c, [&] { return emitRows(*c, c->prepare(s.sql), s, t, out); });
  } catch (const SqliteError& e) {
    rethrow(e, t);
  }
}

std::vector<int64_t> SqliteRepository::insertMany(const std::string& collection, const nlohmann::json& rows) {
  const sql::TableDef& t = table(collection);
  if (!rows.is_array()) throw RepoError(WNO_ERR_INVALID, "rows must be a JSON array");
  std::vector<int64_t> ids;
  ids.reserve(rows.size());
  auto c = db_.acquire();
  try {
    // One transaction: all rows or none. Rows with the same shape reuse one
    // prepared statement, so this is one parse and N steps.
    inWriteTransaction(*c, [&] {
      for (size_t i = 0; i < rows.size(); ++i) {
        sql::Statement s;
        try {
          s = builder_.insert(t, rows[i]);
        } catch (const std::exception& e) {
          throw RepoError(WNO_ERR_INVALID, "row " + std::to_string(i) + ": " + e.what());
        }
        try {
          emitRows(*c, c->prepare(s.sql), s, t, [&](const std::string& row) {
            ids.push_back(nlohmann::json::parse(row)["id"].get<int64_t>());
            return true;
          });
        } catch (const SqliteError& e) {
          if (e.isConstraint()) throw RepoError(WNO_ERR_CONFLICT, "row " + std::to_string(i) + ": " + e.what());
          throw;
        }
      }
      return 0;
    });
  } catch (const SqliteError& e) {
    rethrow(e, t);
  }
  return ids;
}

void SqliteRepository::update(const std::string& collection, int64_t id, int64_t expectedVersion,
                              const nlohmann::json& patch, const RowSink& out) {
  const sql::TableDef& t = table(collection);
  const sql::Statement s = build([&] { return builder_.update(t, id, expectedVersion, patch); });
  auto c = db_.acquire();
  try {
    inWriteTransaction(*c, [&] {
      if (emitRows(*c, c->prepare(s.sql), s, t, out) > 0) return 0;
      // Nothing updated: tell a missing row from a stale version, in the
      // same transaction so the answer matches what the UPDATE saw.
      sqlite3_stmt* probe = c->prepare("SELECT " + std::string(t.versioned ? "\"version\"" : "1") + " FROM " +
                                       builder_.quote(t.table) + " WHERE \"id\" = ?");
      sqlite3_bind_int64(probe, 1, id);
      const int rc = sqlite3_step(probe);
      const int64_t current = rc == SQLITE_ROW ? sqlite3_column_int64(probe, 0) : 0;
      sqlite3_reset(probe);
      if (rc != SQLITE_ROW) throw RepoError(WNO_NOT_FOUND, t.collection + " " + std::to_string(id) + " does not exist");
      throw RepoError(WNO_ERR_PRECONDITION, "version mismatch: expected " + std::to_string(expectedVersion) +
                                                ", stored " + std::to_string(current));
    });
  } catch (const SqliteError& e) {
    rethrow(e, t);
  }
}

bool SqliteRepository::remove(const std::string& collection, int64_t id) {
  const sql::TableDef& t = table(collection);
  const sql::Statement s = builder_.remove(t, id);
  auto c = db_.acquire();
  try {
    return inWriteTransaction(*c, [&] {
      sqlite3_stmt* stmt = c->prepare(s.sql);
      bindAll(*c, stmt, s, t);
      const int rc = sqlite3_step(stmt);
      sqlite3_reset(stmt);
      if (rc != SQLITE_DONE) c->fail(rc, "delete");
      return sqlite3_changes(c->handle()) > 0;
    });
  } catch (const SqliteError& e) {
    rethrow(e, t);
  }
}

int64_t SqliteRepository::count(const std::string& collection, const nlohmann::json& query) {
  const sql::TableDef& t = table(collection);
  const sql::Statement s = build([&] { return builder_.count(t, query); });
  auto c = db_.acquire();
  try {
    sqlite3_stmt* stmt = c->prepare(s.sql);
    bindAll(*c, stmt, s, t);
    const int rc = sqlite3_step(stmt);
    const int64_t n = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
    sqlite3_reset(stmt);
    if (rc != SQLITE_ROW) c->fail(rc, "count");
    return n;
  } catch (const SqliteError& e) {
    rethrow(e, t);
  }
}

void SqliteRepository::writeReturning(const sql::TableDef& t, const sql::Statement& s, const RowSink& out) {
  std::vector<std::string> rows;
  auto c = db_.acquire();
  try {
    inWriteTransaction(*c, [&] {
      return emitRows(*c, c->prepare(s.sql), s, t, [&](const std::string& row) {
        rows.push_back(row);
        return true;
      });
    });
  } catch (const SqliteError& e) {
    rethrow(e, t);
  }
  for (const auto& row : rows) {
    if (!out(row)) break;
  }
}

void SqliteRepository::updateWhere(const std::string& collection, const nlohmann::json& query,
                                   const nlohmann::json& patch, const RowSink& out) {
  const sql::TableDef& t = table(collection);
  const sql::Statement s = build([&] { return builder_.updateWhere(t, query, patch); });
  writeReturning(t, s, out);
}

void SqliteRepository::removeWhere(const std::string& collection, const nlohmann::json& query, const RowSink& out) {
  const sql::TableDef& t = table(collection);
  const sql::Statement s = build([&] { return builder_.removeWhere(t, query); });
  writeReturning(t, s, out);
}

}  // namespace wno::sqlite
