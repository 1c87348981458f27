#include "pg_copy.h"

#include <algorithm>
#include <set>

namespace wno::pg {
namespace {

std::string quoted(const std::string& identifier) { return "\"" + identifier + "\""; }

}  // namespace

void appendCopyField(std::string& line, std::string_view text, NulBytes nul) {
  for (const char c : text) {
    switch (c) {
      case '\\': line += "\\\\"; break;
      case '\t': line += "\\t"; break;
      case '\n': line += "\\n"; break;
      case '\r': line += "\\r"; break;
      case '\0':
        if (nul == NulBytes::AsReplacement) line += "\xEF\xBF\xBD";
        else line += c;
        break;
      default: line += c;
    }
  }
}

std::string copyLine(int64_t id, const nlohmann::json& row, const std::vector<std::string>& columns,
                     const std::vector<std::string>& types) {
  std::string line = std::to_string(id);
  for (size_t c = 0; c < columns.size(); ++c) {
    line += '\t';
    const auto it = row.find(columns[c]);
    if (it == row.end() || it->is_null()) line += "\\N";
    else appendCopyField(line, fieldText(*it, types[c]), NulBytes::Kept);
  }
  return line;
}

std::string fieldText(const nlohmann::json& value, const std::string& type) {
  if (type == "json") return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  return value.dump();
}

std::vector<int64_t> copyRows(pqxx::work& txn, const sql::TableDef& table, const nlohmann::json& rows) {
  std::vector<int64_t> ids;
  if (rows.empty()) return ids;
  // The union of the rows' fields, in first-seen order.
  std::vector<std::string> columns;
  std::set<std::string> seen;
  for (const auto& row : rows) {
    for (const auto& [key, value] : row.items()) {
      if (key != "id" && seen.insert(key).second) columns.push_back(key);
    }
  }
  std::vector<std::string> types;
  for (const auto& c : columns) types.push_back(table.typeOf(c));  // throws for fields the table lacks

  // Reserved ids are ours alone, whatever other sessions insert meanwhile;
  // sorted so the rows keep their order in id order too.
  const auto reserved = txn.exec_params(
      "SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)", quoted(table.table),
      static_cast<int64_t>(rows.size()));
  ids.reserve(reserved.size());
  for (const auto& r : reserved) ids.push_back(r[0].as<int64_t>());
  std::sort(ids.begin(), ids.end());

  std::vector<std::string> copyColumns{quoted("id")};
  for (const auto& c : columns) copyColumns.push_back(quoted(c));
  // libpqxx 6.4's stream_to only takes rows as fixed-arity tuples; its
  // older tablewriter takes raw lines, escaped here (copyLine). UTF-8 is
  // safe in that format: every byte it escapes is ASCII.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  pqxx::tablewriter writer(txn, quoted(table.table), copyColumns.begin(), copyColumns.end());
  for (size_t i = 0; i < rows.size(); ++i) writer.write_raw_line(copyLine(ids[i], rows[i], columns, types));
  writer.complete();
#pragma GCC diagnostic pop
  return ids;
}

}  // namespace wno::pg
