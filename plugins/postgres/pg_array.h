// PostgreSQL array literals ('{"a","b",NULL}') for binding a batch as one
// parameter per column. `UPDATE … FROM unnest($2::text[], $3::bigint[], …)`
// costs the server less per row than json_to_recordset over one document
// holding the same batch (no JSON lexing, no per-field key lookup).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wno::pg {

class ArrayLiteral {
 public:
  ArrayLiteral() : text_("{") {}

  // Quoted, with backslash and double quote escaped. libpq passes
  // parameters as C strings and PostgreSQL text cannot hold NUL, so a NUL
  // byte becomes U+FFFD rather than cutting the literal short.
  void add(std::string_view element);
  void add(int64_t element);
  void add(const std::optional<std::string>& element);  // nullopt: NULL
  void addNull();

  // The closed literal; the builder is empty afterwards.
  std::string take();

 private:
  void separate();

  std::string text_;
  bool empty_ = true;
};

}  // namespace wno::pg
