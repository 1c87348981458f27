// Bulk inserts through COPY: the rows stream to the server in PostgreSQL's
// text format (no per-row statement, no parameter limit), inside the
// caller's transaction, so a bad row aborts all of them. Ids are taken from
// the table's identity sequence first, in one round trip, so the caller gets
// them in row order without RETURNING.
// THREADS: uses only the transaction it is given.
#pragma once

#include "sql/sql_builder.h"

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <pqxx/tablewriter>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wno::pg {

// rows: JSON objects (any "id" ignored); a column a row lacks is NULL.
std::vector<int64_t> copyRows(pqxx::work& txn, const sql::TableDef& table, const nlohmann::json& rows);

// A non-null value as the text PostgreSQL parses for its column type (json
// columns: their JSON text); COPY escaping is applied on top of it.
std::string fieldText(const nlohmann::json& value, const std::string& type);
// What a field's NUL bytes become. PostgreSQL text cannot hold them:
// Kept, the server refuses the row (a repository write says so);
// AsReplacement, U+FFFD, as pg_array.h does for bound arrays (the job
// store's COPY, which must store what its statement path would).
enum class NulBytes { Kept, AsReplacement };
// `text` as one COPY text-format field, appended: backslash, tab, newline
// and carriage return escaped, NUL as `nul` says.
void appendCopyField(std::string& line, std::string_view text, NulBytes nul);
// One COPY text-format line: id, then each column's value (\N for NULL or
// absent), with backslash, tab, newline and carriage return escaped.
std::string copyLine(int64_t id, const nlohmann::json& row, const std::vector<std::string>& columns,
                     const std::vector<std::string>& types);

}  // namespace wno::pg
