#include "sql/row_json.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace wno::sql {
namespace {

ValueKind kindOf(const std::string& type) {
  if (type == "int64") return ValueKind::Int64;
  if (type == "bool") return ValueKind::Bool;
  if (type == "double") return ValueKind::Double;
  if (type == "json") return ValueKind::Json;
  return ValueKind::Text;  // text, timestamp
}

// Length of the well-formed UTF-8 sequence at s[i], 0 if there is none.
size_t utf8Length(const unsigned char* s, size_t n, size_t i) {
  auto cont = [&](size_t k, unsigned char lo = 0x80, unsigned char hi = 0xBF) { return k < n && s[k] >= lo && s[k] <= hi; };
  const unsigned char c = s[i];
  if (c >= 0xC2 && c <= 0xDF) return cont(i + 1) ? 2 : 0;
  if (c == 0xE0) return cont(i + 1, 0xA0) && cont(i + 2) ? 3 : 0;
  if (c == 0xED) return cont(i + 1, 0x80, 0x9F) && cont(i + 2) ? 3 : 0;
  if (c >= 0xE1 && c <= 0xEF) return cont(i + 1) && cont(i + 2) ? 3 : 0;
  if (c == 0xF0) return cont(i + 1, 0x90) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  if (c >= 0xF1 && c <= 0xF3) return cont(i + 1) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  if (c == 0xF4) return cont(i + 1, 0x80, 0x8F) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  return 0;
}

}  // namespace

RowJson::RowJson(const TableDef& t, const std::vector<std::string>& columns) {
  members_.reserve(columns.size());
  for (size_t i = 0; i < columns.size(); ++i) {
    members_.push_back({i, kindOf(t.typeOf(columns[i])), "\"" + columns[i] + "\":"});
  }
  // Column names are identifiers ([a-z_][a-z0-9_]*): the quoted prefixes
  // sort as the names do.
  std::sort(members_.begin(), members_.end(), [](const Member& a, const Member& b) { return a.prefix < b.prefix; });
}

void appendNull(std::string& out) { out.append("null", 4); }

void appendInt(std::string& out, int64_t value) {
  char buffer[24];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, static_cast<size_t>(end - buffer));
}

void appendBool(std::string& out, bool value) { value ? out.append("true", 4) : out.append("false", 5); }

void appendDouble(std::string& out, double value) {
  if (!std::isfinite(value)) {
    appendNull(out);
    return;
  }
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  std::string_view text(buffer, static_cast<size_t>(end - buffer));
  out.append(text);
  // nlohmann writes a double that happens to be integral as "3.0", keeping
  // it a float for readers that tell the two apart.
  if (text.find_first_of(".e") == std::string_view::npos) out.append(".0", 2);
}

void appendString(std::string& out, std::string_view text) {
  static const char* hex = "0123456789abcdef";
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  out.push_back('"');
  size_t plain = 0;  // start of the run not yet copied
  for (size_t i = 0; i < n;) {
    const unsigned char c = s[i];
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      if (const size_t len = utf8Length(s, n, i)) {
        i += len;
        continue;
      }
    }
    out.append(text.data() + plain, i - plain);
    switch (c) {
      case '"': out.append("\\\"", 2); break;
      case '\\': out.append("\\\\", 2); break;
      case '\b': out.append("\\b", 2); break;
      case '\f': out.append("\\f", 2); break;
      case '\n': out.append("\\n", 2); break;
      case '\r': out.append("\\r", 2); break;
      case '\t': out.append("\\t", 2); break;
      default:
        if (c < 0x20) {
          const char escaped[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
          out.append(escaped, 6);
        } else {
          out.append("\xEF\xBF\xBD", 3);  // U+FFFD for a byte that starts no UTF-8 sequence
        }
    }
    plain = ++i;
  }
  out.append(text.data() + plain, n - plain);
  out.push_back('"');
}

void appendJsonOrString(std::string& out, std::string_view text) {
  // accept() runs the parser without building anything.
  if (nlohmann::json::accept(text)) {
    out.append(text);
  } else {
    appendString(out, text);
  }
}

}  // namespace wno::sql
