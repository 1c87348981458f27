// Rows as the bytes a repository wrote (repository.h, ROW): the host checks
// and picks them apart with a validating scan instead of parsing them into
// a document, and splices them into responses as they are.
// THREADS: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wno::host::data {

// One top-level member: the key as written between its quotes (escapes
// left as they are; collection field names never need any) and the
// value's JSON text.
struct RowMember {
  std::string_view key;
  std::string_view value;
};

// Calls fn(const RowMember&) for each member of the JSON object `text`, in
// order, until fn returns false. False when `text` is not exactly one
// well-formed JSON object (UTF-8, nesting at most 64 deep); members seen
// before the error have been passed to fn.
template <typename Fn>
bool forEachMember(std::string_view text, Fn&& fn);

bool isJsonObject(std::string_view text);
// Exactly one well-formed JSON value of any kind (UTF-8, as above).
bool isJsonValue(std::string_view text);
// The value of an integer member (a row's "id" or "version").
std::optional<int64_t> intMember(std::string_view row, std::string_view key);
// Appends `row` restricted to `fields` (members kept in the row's order).
// False when `row` is not a JSON object.
bool appendProjected(std::string& out, std::string_view row, const std::vector<std::string>& fields);

namespace detail {
// The end of the JSON value starting at text[i] (after whitespace), or npos.
size_t skipValue(std::string_view text, size_t i, int depth);
size_t skipSpace(std::string_view text, size_t i);
size_t skipString(std::string_view text, size_t i);  // text[i] == '"'; the index after the closing quote
}  // namespace detail

template <typename Fn>
bool forEachMember(std::string_view text, Fn&& fn) {
  constexpr size_t npos = std::string_view::npos;
  size_t i = detail::skipSpace(text, 0);
  if (i >= text.size() || text[i] != '{') return false;
  i = detail::skipSpace(text, i + 1);
  if (i < text.size() && text[i] == '}') return detail::skipSpace(text, i + 1) == text.size();
  for (;;) {
    if (i >= text.size() || text[i] != '"') return false;
    const size_t keyEnd = detail::skipString(text, i);
    if (keyEnd == npos) return false;
    const std::string_view key = text.substr(i + 1, keyEnd - i - 2);
    i = detail::skipSpace(text, keyEnd);
    if (i >= text.size() || text[i] != ':') return false;
    const size_t valueStart = detail::skipSpace(text, i + 1);
    const size_t valueEnd = detail::skipValue(text, valueStart, 1);
    if (valueEnd == npos) return false;
    if (!fn(RowMember{key, text.substr(valueStart, valueEnd - valueStart)})) return true;
    i = detail::skipSpace(text, valueEnd);
    if (i < text.size() && text[i] == ',') {
      i = detail::skipSpace(text, i + 1);
      continue;
    }
    if (i < text.size() && text[i] == '}') return detail::skipSpace(text, i + 1) == text.size();
    return false;
  }
}

}  // namespace wno::host::data
