// The `postgres` repository: collections as tables, the structured QUERY as
// parameterized SQL (shared builder, $n placeholders), prepared once per
// pooled connection. Config: {"url":"postgresql://user:pw@host:5432/db",
// "pool_size":16,"pool_min":1,"pool_wait_ms":2000,"connect_timeout_ms":5000,
// "statement_timeout_ms":15000} (pg_options.h). The job store is pg_job_store.*.
#include "pg_copy.h"
#include "pg_errors.h"
#include "pg_job_store.h"
#include "pg_pool.h"
#include "pg_probe.h"
#include "pg_read.h"
#include "sql/row_json.h"
#include "sql/sql_builder.h"

#include <wno/sdk/config.hpp>
#include <wno/sdk/sdk.hpp>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <shared_mutex>

namespace {

using nlohmann::json;
using wno::pg::PgError;

// From this many rows createMany goes through COPY (pg_copy.h).
constexpr size_t kCopyFromRows = 64;
using wno::sql::RowJson;
using wno::sql::Statement;
using wno::sql::ValueKind;
using wno::sql::TableDef;

using Params = wno::pg::TextParams;

// Parameters travel as text; PostgreSQL infers each one's type from where
// it is used (a bigint column, a jsonb column), so no casts are spliced in.
Params toParams(const Statement& s) {
  Params out;
  for (size_t i = 0; i < s.params.size(); ++i) {
    const json& v = s.params[i];
    if (v.is_null()) out.emplace_back(std::nullopt);
    else if (s.types[i] == "json") out.emplace_back(v.dump());
    else if (v.is_string()) out.emplace_back(v.get<std::string>());
    else if (v.is_boolean()) out.emplace_back(v.get<bool>() ? "true" : "false");
    else out.emplace_back(v.dump());
  }
  return out;
}

// One row as JSON text, straight from the text values libpq received
// (row_json.h): integers and jsonb are already JSON, text is escaped, and
// doubles are re-formatted only so that NaN and Infinity become null.
// `valueAt(column)` is the column's text, NUL-terminated after its end (as
// libpq keeps every value); `isNull(column)` says whether it is NULL.
template <typename IsNull, typename ValueAt>
void appendRowValues(std::string& out, const RowJson& shape, IsNull&& isNull, ValueAt&& valueAt) {
  wno::sql::appendObject(out, shape, isNull, [&](std::string& json, const RowJson::Member& m) {
    const std::string_view text = valueAt(m.column);
    switch (m.kind) {
      case ValueKind::Int64:
      case ValueKind::Json: json.append(text); break;
      case ValueKind::Bool: wno::sql::appendBool(json, text[0] == 't'); break;
      case ValueKind::Double: wno::sql::appendDouble(json, std::strtod(text.data(), nullptr)); break;
      case ValueKind::Text: wno::sql::appendString(json, text); break;
    }
  });
}

// A row of a read (pg_read.h).
void appendRow(std::string& out, const PGresult* r, int row, const RowJson& shape) {
  appendRowValues(
      out, shape, [&](size_t column) { return PQgetisnull(r, row, static_cast<int>(column)) != 0; },
      [&](size_t column) {
        const int c = static_cast<int>(column);
        return std::string_view(PQgetvalue(r, row, c), static_cast<size_t>(PQgetlength(r, row, c)));
      });
}

// A row a write returned through libpqxx.
void appendRow(std::string& out, const pqxx::row& row, const RowJson& shape) {
  const auto field = [&](size_t column) { return row[static_cast<pqxx::row::size_type>(column)]; };
  appendRowValues(
      out, shape, [&](size_t column) { return field(column).is_null(); },
      [&](size_t column) {
        const auto value = field(column);
        return std::string_view(value.c_str(), value.size());
      });
}

// Maps libpqxx failures onto ABI statuses (the SDK boundary reports them).
template <typename Fn>
auto mapErrors(const std::string& collection, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const PgError& e) {
    throw wno::sdk::Error(e.status, e.what());
  } catch (const pqxx::unique_violation& e) {
    throw wno::sdk::Error(WNO_ERR_CONFLICT, collection + ": unique constraint violated");
  } catch (const pqxx::broken_connection& e) {
    if (auto late = wno::pg::abandonedByDeadline()) throw wno::sdk::Error(late->status, late->message);
    throw wno::sdk::Error(WNO_ERR_UNAVAILABLE, std::string("database connection lost: ") + e.what());
  } catch (const pqxx::in_doubt_error& e) {
    // The connection died during COMMIT: the database is unavailable, and
    // the write may or may not have been applied (the host evicts what it
    // may have changed, and a versioned retry is safe).
    wno::pg::abandonedByDeadline();  // consumed: "may have been applied" matters more than why
    throw wno::sdk::Error(WNO_ERR_UNAVAILABLE,
                          std::string("database connection lost during commit; the write may have been applied: ") +
                              e.what());
  } catch (const pqxx::sql_error& e) {
    if (auto cancelled = wno::pg::cancelledByServer(e)) throw wno::sdk::Error(cancelled->status, cancelled->message);
    // The statement shape is ours; the server's message names the problem.
    throw wno::sdk::Error(WNO_ERR_INTERNAL, std::string("database error: ") + e.what());
  }
}

class PostgresRepository : public wno::sdk::Repository {
 public:
  PostgresRepository(wno::sdk::Host host, std::string_view configJson) : host_(host) {
    const json c = wno::sdk::ComponentConfig(configJson, wno::pg::poolOptionKeys()).json();
    wno::pg::PoolOptions options;
    try {
      options = wno::pg::parsePoolOptions(c, 16);
    } catch (const std::invalid_argument& e) {
      throw wno::sdk::invalid(e.what());
    }
    pool_ = mapErrors("config", [&] { return std::make_unique<wno::pg::Pool>(std::move(options)); });
  }

  void defineCollection(std::string_view collectionJson) override {
    TableDef t;
    try {
      t = wno::sql::tableFromJson(json::parse(collectionJson));
    } catch (const std::exception& e) {
      throw wno::sdk::invalid(std::string("bad collection definition: ") + e.what());
    }
    mapErrors(t.collection, [&] {
      auto c = pool_->acquire(/*unbounded=*/true);
      pqxx::work txn(*c->conn);
      // An index build on a big table may outlast statement_timeout_ms.
      txn.exec("SET LOCAL statement_timeout = 0");
      // Several hosts may start at once: serialize their migrations.
      txn.exec("SELECT pg_advisory_xact_lock(7297130)");
      // The table, then the columns config gained since it was made, then
      // the indexes (which may name those new columns).
      const auto statements = builder_.createTable(t);
      txn.exec(statements.front());
      std::set<std::string> existing;
      for (const auto& row : txn.exec_params("SELECT column_name FROM information_schema.columns"
                                             " WHERE table_schema = current_schema() AND table_name = $1",
                                             t.table)) {
        existing.insert(row[0].as<std::string>());
      }
      for (const auto& col : t.columns) {
        if (existing.count(col.name)) continue;
        for (const auto& statement : builder_.addColumn(t, col)) txn.exec(statement);
      }
      for (size_t i = 1; i < statements.size(); ++i) txn.exec(statements[i]);
      txn.commit();
      return 0;
    });
    std::unique_lock lock(tablesMutex_);
    tables_[t.collection] = std::move(t);
  }

  void query(std::string_view collection, std::string_view queryJson, wno::sdk::Writer& rows) override {
    const TableDef& t = table(collection);
    const Statement s = build([&] { return builder_.select(t, json::parse(queryJson)); });
    run(t, s, rows);
  }

  bool get(std::string_view collection, int64_t id, std::string_view fieldsJson, wno::sdk::Writer& row) override {
    const TableDef& t = table(collection);
    std::vector<std::string> fields;
    if (!fieldsJson.empty()) fields = json::parse(fieldsJson).get<std::vector<std::string>>();
    const Statement s = build([&] { return builder_.getById(t, id, fields); });
    return run(t, s, row) > 0;
  }

  void insert(std::string_view collection, std::string_view rowJson_, wno::sdk::Writer& row) override {
    const TableDef& t = table(collection);
    const Statement s = build([&] { return builder_.insert(t, json::parse(rowJson_)); });
    run(t, s, row, true);
  }

  std::string insertMany(std::string_view collection, std::string_view rowsJson) override {
    const TableDef& t = table(collection);
    const json rows = json::parse(rowsJson);
    if (!rows.is_array()) throw wno::sdk::invalid("rows must be a JSON array");
    json ids = json::array();
    mapErrors(t.collection, [&] {
      auto c = pool_->acquire();
      pqxx::work txn(*c->conn);
      // Many rows: one COPY (rows stream in without a statement or a
      // parameter each). A few: one multi-row INSERT, a single round trip.
      // Either way in one transaction, all rows or none.
      if (rows.size() >= kCopyFromRows) {
        std::vector<int64_t> copied;
        try {
          copied = wno::pg::copyRows(txn, t, rows);
        } catch (const std::invalid_argument& e) {
          throw wno::sdk::invalid(e.what());
        }
        txn.commit();
        ids = copied;
        return 0;
      }
      // Batches keep each statement under PostgreSQL's 65535-parameter limit.
      const size_t columns = t.allColumns().size();
      const size_t batch = std::max<size_t>(1, std::min<size_t>(1000, 60000 / columns));
      for (size_t start = 0; start < rows.size(); start += batch) {
        const size_t end = std::min(rows.size(), start + batch);
        Statement s = build([&] { return insertBatch(t, rows, start, end); });
        const auto r = txn.exec_params(s.sql, pqxx::prepare::make_dynamic_params(toParams(s)));
        for (const auto& row : r) ids.push_back(row[0].as<int64_t>());
      }
      txn.commit();
      return 0;
    });
    return ids.dump();
  }

  void update(std::string_view collection, int64_t id, int64_t expectedVersion, std::string_view patchJson,
              wno::sdk::Writer& row) override {
    const TableDef& t = table(collection);
    const Statement s = build([&] { return builder_.update(t, id, expectedVersion, json::parse(patchJson)); });
    mapErrors(t.collection, [&] {
      auto c = pool_->acquire();
      pqxx::work txn(*c->conn);
      const auto r = txn.exec_prepared(c->prepare(s.sql), pqxx::prepare::make_dynamic_params(toParams(s)));
      if (r.empty()) {
        // Same transaction: tell a missing row from a stale version.
        const auto current = txn.exec_params("SELECT " + std::string(t.versioned ? "\"version\"" : "1") + " FROM " +
                                                 builder_.quote(t.table) + " WHERE \"id\" = $1",
                                             id);
        if (current.empty()) throw wno::sdk::Error(WNO_NOT_FOUND, t.collection + " " + std::to_string(id) + " does not exist");
        throw wno::sdk::Error(WNO_ERR_PRECONDITION, "version mismatch: expected " + std::to_string(expectedVersion) +
                                                        ", stored " + current[0][0].c_str());
      }
      txn.commit();
      std::string text;
      appendRow(text, r[0], *shape(t, s));
      row.write(text);
      return 0;
    });
  }

  bool remove(std::string_view collection, int64_t id) override {
    const TableDef& t = table(collection);
    const Statement s = builder_.remove(t, id);
    return mapErrors(t.collection, [&] {
      auto c = pool_->acquire();
      pqxx::work txn(*c->conn);
      const auto r = txn.exec_prepared(c->prepare(s.sql), pqxx::prepare::make_dynamic_params(toParams(s)));
      txn.commit();
      return r.affected_rows() > 0;
    });
  }

  // Writes by filter (repository.h, 1.2): one statement that picks the
  // rows FOR UPDATE and changes them, in one transaction; the rows are
  // handed on once the connection is back in the pool.
  void updateWhere(std::string_view collection, std::string_view queryJson, std::string_view patchJson,
                   wno::sdk::Writer& rows) {
    const TableDef& t = table(collection);
    const Statement s = build([&] { return builder_.updateWhere(t, json::parse(queryJson), json::parse(patchJson)); });
    run(t, s, rows, true);
  }

  void removeWhere(std::string_view collection, std::string_view queryJson, wno::sdk::Writer& rows) {
    const TableDef& t = table(collection);
    const Statement s = build([&] { return builder_.removeWhere(t, json::parse(queryJson)); });
    run(t, s, rows, true);
  }

  int64_t count(std::string_view collection, std::string_view queryJson) override {
    const TableDef& t = table(collection);
    const Statement s = build([&] { return builder_.count(t, json::parse(queryJson)); });
    return mapErrors(t.collection, [&] {
      auto c = pool_->acquire();
      pqxx::read_transaction txn(*c->conn);
      return txn.exec_prepared(c->prepare(s.sql), pqxx::prepare::make_dynamic_params(toParams(s)))[0][0].as<int64_t>();
    });
  }

 private:
  const TableDef& table(std::string_view collection) {
    std::shared_lock lock(tablesMutex_);
    auto it = tables_.find(std::string(collection));
    if (it == tables_.end()) throw wno::sdk::invalid("collection \"" + std::string(collection) + "\" is not defined here");
    return it->second;
  }

  template <typename Fn>
  Statement build(Fn&& fn) {
    try {
      return fn();
    } catch (const std::exception& e) {
      throw wno::sdk::invalid(e.what());
    }
  }

  // One INSERT ... VALUES (...), (...) RETURNING id for rows[start, end).
  // Rows may carry different fields: the statement names the union and
  // binds NULL where a row has none (the host already filled defaults, so
  // an absent field means NULL).
  Statement insertBatch(const TableDef& t, const json& rows, size_t start, size_t end) {
    Statement s;
    std::vector<std::string> cols;
    std::set<std::string> seen;
    for (size_t i = start; i < end; ++i) {
      for (const auto& [key, value] : rows[i].items()) {
        if (key != "id" && seen.insert(key).second) cols.push_back(key);
      }
    }
    std::string list;
    for (const auto& c : cols) list += (list.empty() ? "" : ", ") + builder_.quote(c);
    std::string values;
    for (size_t i = start; i < end; ++i) {
      std::string tuple;
      for (const auto& c : cols) {
        s.params.push_back(rows[i].contains(c) ? rows[i][c] : json());
        s.types.push_back(t.typeOf(c));
        tuple += (tuple.empty() ? "$" : ", $") + std::to_string(s.params.size());
      }
      values += (values.empty() ? "(" : ", (") + tuple + ")";
    }
    s.sql = "INSERT INTO " + builder_.quote(t.table) + " (" + list + ") VALUES " + values + " RETURNING \"id\"";
    return s;
  }

  // The member order and kinds of a statement's rows, built once per
  // statement text (its select list fixes them).
  // Shared: a full map is cleared while other threads may still use one.
  std::shared_ptr<const RowJson> shape(const TableDef& t, const Statement& s) {
    {
      std::shared_lock lock(shapesMutex_);
      auto it = shapes_.find(s.sql);
      if (it != shapes_.end()) return it->second;
    }
    auto made = std::make_shared<const RowJson>(t, s.columns);
    std::unique_lock lock(shapesMutex_);
    // Bounded like the prepared statements: texts vary with filters.
    if (shapes_.size() >= 4096) shapes_.clear();
    return shapes_.try_emplace(s.sql, std::move(made)).first->second;
  }

  // Runs a statement on a pooled connection, then writes its rows as JSON
  // (false from the sink stops); returns the rows written. Writes commit;
  // a read is one statement, one round trip, run with libpq directly
  // (pg_read.h): a lone SELECT sees one
  // snapshot anyway, and BEGIN READ ONLY + COMMIT around it would triple
  // the round trips. The connection goes back to the pool before the rows
  // are handed on: the sink may write to a slow HTTP client, which must
  // not hold a connection.
  size_t run(const TableDef& t, const Statement& s, wno::sdk::Writer& out, bool write = false) {
    return mapErrors(t.collection, [&] {
      if (!write) {
        const auto r = read(s);
        return handOn(t, s, static_cast<size_t>(PQntuples(r.get())), out,
                      [&](std::string& text, size_t i, const RowJson& rowShape) {
                        appendRow(text, r.get(), static_cast<int>(i), rowShape);
                      });
      }
      pqxx::result r;
      {
        auto c = pool_->acquire();
        pqxx::work txn(*c->conn);
        r = txn.exec_prepared(c->prepare(s.sql), pqxx::prepare::make_dynamic_params(toParams(s)));
        txn.commit();
      }
      return handOn(t, s, r.size(), out, [&](std::string& text, size_t i, const RowJson& rowShape) {
        appendRow(text, r[static_cast<pqxx::result::size_type>(i)], rowShape);
      });
    });
  }

  // A read's rows, the connection already back in the pool.
  wno::pg::ReadResult read(const Statement& s) {
    auto c = pool_->acquire();
    return wno::pg::execRead(*c, s.sql, toParams(s));
  }

  // Writes `rows` rows as JSON, one at a time (appendRowAt(text, i, shape)),
  // until the sink says stop; returns how many it wrote.
  template <typename AppendRowAt>
  size_t handOn(const TableDef& t, const Statement& s, size_t rows, wno::sdk::Writer& out, AppendRowAt&& appendRowAt) {
    const auto rowShape = shape(t, s);
    std::string text;
    size_t written = 0;
    for (size_t i = 0; i < rows; ++i) {
      text.clear();
      appendRowAt(text, i, *rowShape);
      ++written;
      if (!out.write(text)) break;
    }
    return written;
  }

  wno::sdk::Host host_;
  std::unique_ptr<wno::pg::Pool> pool_;
  wno::sql::SqlBuilder builder_{wno::sql::Dialect::Postgres};
  std::shared_mutex tablesMutex_;
  std::map<std::string, TableDef> tables_;
  std::shared_mutex shapesMutex_;
  std::map<std::string, std::shared_ptr<const RowJson>, std::less<>> shapes_;
};

}  // namespace

WNO_PLUGIN("postgres", "0.1.0", "PostgreSQL repository and job store (libpqxx, pooled, prepared statements)",
           WNO_REPOSITORY("postgres", PostgresRepository, "PostgreSQL repository (pooled, COPY bulk inserts)"), WNO_JOB_STORE("postgres", wno::pg::PostgresJobStore, "PostgreSQL job store shared by hosts (SKIP LOCKED claims, LISTEN/NOTIFY)"),
           WNO_HEALTH_PROBE("postgres", wno::pg::PostgresProbe, "PostgreSQL reachable, query latency and pool use"));
