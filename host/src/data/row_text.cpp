#include "data/row_text.h"

#include "core/utf8.h"

#include <algorithm>
#include <array>
#include <charconv>

namespace wno::host::data {
namespace detail {
namespace {

constexpr size_t npos = std::string_view::npos;
constexpr int kMaxDepth = 64;

bool isDigit(char c) { return c >= '0' && c <= '9'; }

size_t skipLiteral(std::string_view text, size_t i, std::string_view literal) {
  return text.substr(i, literal.size()) == literal ? i + literal.size() : npos;
}

// RFC 8259 number grammar.
size_t skipNumber(std::string_view text, size_t i) {
  const size_t n = text.size();
  if (i < n && text[i] == '-') ++i;
  if (i >= n) return npos;
  if (text[i] == '0') {
    ++i;
  } else if (isDigit(text[i])) {
    while (i < n && isDigit(text[i])) ++i;
  } else {
    return npos;
  }
  if (i < n && text[i] == '.') {
    if (++i >= n || !isDigit(text[i])) return npos;
    while (i < n && isDigit(text[i])) ++i;
  }
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    if (++i < n && (text[i] == '+' || text[i] == '-')) ++i;
    if (i >= n || !isDigit(text[i])) return npos;
    while (i < n && isDigit(text[i])) ++i;
  }
  return i;
}

bool isHex(char c) { return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

}  // namespace

size_t skipSpace(std::string_view text, size_t i) {
  while (i < text.size() && (text[i] == ' ' || text[i] == '\n' || text[i] == '\r' || text[i] == '\t')) ++i;
  return i;
}

namespace {

// Bytes a string may hold as they are, with nothing to check: printable
// ASCII but the quote and the backslash. Every row of every list page
// passes through here, so the common byte costs one table load.
constexpr auto kPlainStringBytes = [] {
  std::array<bool, 256> plain{};
  for (int c = 0x20; c < 0x80; ++c) plain[c] = c != '"' && c != '\\';
  return plain;
}();

}  // namespace

size_t skipString(std::string_view text, size_t i) {
  const size_t n = text.size();
  bool ascii = true;
  const size_t start = ++i;
  while (i < n) {
    while (i < n && kPlainStringBytes[static_cast<unsigned char>(text[i])]) ++i;
    if (i >= n) break;
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '"') {
      if (!ascii && !isValidUtf8(text.substr(start, i - start))) return npos;
      return i + 1;
    }
    if (c < 0x20) return npos;
    if (c >= 0x80) ascii = false;
    if (c == '\\') {
      if (++i >= n) return npos;
      const char e = text[i];
      if (e == 'u') {
        if (i + 4 >= n || !isHex(text[i + 1]) || !isHex(text[i + 2]) || !isHex(text[i + 3]) || !isHex(text[i + 4])) {
          return npos;
        }
        i += 4;
      } else if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' && e != 't') {
        return npos;
      }
    }
    ++i;
  }
  return npos;
}

size_t skipValue(std::string_view text, size_t i, int depth) {
  i = skipSpace(text, i);
  if (i >= text.size() || depth > kMaxDepth) return npos;
  switch (text[i]) {
    case '"': return skipString(text, i);
    case 't': return skipLiteral(text, i, "true");
    case 'f': return skipLiteral(text, i, "false");
    case 'n': return skipLiteral(text, i, "null");
    case '[': {
      i = skipSpace(text, i + 1);
      if (i < text.size() && text[i] == ']') return i + 1;
      for (;;) {
        i = skipValue(text, i, depth + 1);
        if (i == npos) return npos;
        i = skipSpace(text, i);
        if (i >= text.size()) return npos;
        if (text[i] == ']') return i + 1;
        if (text[i] != ',') return npos;
        ++i;
      }
    }
    case '{': {
      i = skipSpace(text, i + 1);
      if (i < text.size() && text[i] == '}') return i + 1;
      for (;;) {
        if (i >= text.size() || text[i] != '"') return npos;
        i = skipSpace(text, skipString(text, i));
        if (i >= text.size() || text[i] != ':') return npos;
        i = skipValue(text, i + 1, depth + 1);
        if (i == npos) return npos;
        i = skipSpace(text, i);
        if (i >= text.size()) return npos;
        if (text[i] == '}') return i + 1;
        if (text[i] != ',') return npos;
        i = skipSpace(text, i + 1);
      }
    }
    default: return skipNumber(text, i);
  }
}

}  // namespace detail

bool isJsonObject(std::string_view text) {
  return forEachMember(text, [](const RowMember&) { return true; });
}

bool isJsonValue(std::string_view text) {
  const size_t end = detail::skipValue(text, detail::skipSpace(text, 0), 1);
  return end != std::string_view::npos && detail::skipSpace(text, end) == text.size();
}

std::optional<int64_t> intMember(std::string_view row, std::string_view key) {
  std::optional<int64_t> found;
  forEachMember(row, [&](const RowMember& m) {
    if (m.key != key) return true;
    int64_t value = 0;
    auto [end, ec] = std::from_chars(m.value.data(), m.value.data() + m.value.size(), value);
    if (ec == std::errc() && end == m.value.data() + m.value.size()) found = value;
    return false;
  });
  return found;
}

bool appendProjected(std::string& out, std::string_view row, const std::vector<std::string>& fields) {
  const size_t start = out.size();
  out.push_back('{');
  bool first = true;
  const bool ok = forEachMember(row, [&](const RowMember& m) {
    if (std::find(fields.begin(), fields.end(), m.key) == fields.end()) return true;
    if (!first) out.push_back(',');
    first = false;
    out.push_back('"');
    out.append(m.key);
    out.append("\":", 2);
    out.append(m.value);
    return true;
  });
  if (!ok) {
    out.resize(start);
    return false;
  }
  out.push_back('}');
  return true;
}

}  // namespace wno::host::data
