// Row JSON written straight from a result set's column values into one
// reused buffer, with no JSON document in between: the host splices these
// bytes into the response as they are (repository.h, ROW). Members come in
// name order and numbers in the shortest round-trip form, the bytes
// nlohmann::json::dump() produced for the same row, so clients and cached
// ETags of unversioned rows see no change.
// THREADS: a RowJson is immutable after construction and may be shared;
// the output buffer is the caller's.
#pragma once

#include "sql/sql_builder.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wno::sql {

enum class ValueKind : uint8_t { Int64, Bool, Double, Text, Json };

class RowJson {
 public:
  struct Member {
    size_t column;      // index into the statement's selected columns
    ValueKind kind;
    std::string prefix;  // "\"name\":"
  };

  RowJson(const TableDef& t, const std::vector<std::string>& columns);
  // In output (name) order.
  const std::vector<Member>& members() const { return members_; }

 private:
  std::vector<Member> members_;
};

// Each appends one JSON value to `out`.
void appendNull(std::string& out);
void appendInt(std::string& out, int64_t value);
void appendBool(std::string& out, bool value);
// NaN and the infinities are null, as in nlohmann::json.
void appendDouble(std::string& out, double value);
// A JSON string; invalid UTF-8 becomes U+FFFD.
void appendString(std::string& out, std::string_view text);

// One row as a JSON object in the shape's member order: the braces, commas,
// names and nulls are the same for every driver; `isNull(column)` and
// `appendValue(out, member)` read the driver's own result.
template <typename IsNull, typename AppendValue>
void appendObject(std::string& out, const RowJson& shape, IsNull&& isNull, AppendValue&& appendValue) {
  out.push_back('{');
  bool first = true;
  for (const auto& m : shape.members()) {
    if (!first) out.push_back(',');
    first = false;
    out.append(m.prefix);
    if (isNull(m.column)) {
      appendNull(out);
    } else {
      appendValue(out, m);
    }
  }
  out.push_back('}');
}
// Text that is already JSON (a json column) as it is; anything that is not
// well-formed JSON goes in as a string instead.
void appendJsonOrString(std::string& out, std::string_view text);

}  // namespace wno::sql
