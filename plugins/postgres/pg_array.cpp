#include "pg_array.h"

namespace wno::pg {

void ArrayLiteral::separate() {
  if (!empty_) text_ += ',';
  empty_ = false;
}

void ArrayLiteral::add(std::string_view element) {
  separate();
  text_ += '"';
  for (const char c : element) {
    if (c == '"' || c == '\\') {
      text_ += '\\';
      text_ += c;
    } else if (c == '\0') {
      text_ += "\xEF\xBF\xBD";
    } else {
      text_ += c;
    }
  }
  text_ += '"';
}

void ArrayLiteral::add(int64_t element) {
  separate();
  text_ += std::to_string(element);
}

void ArrayLiteral::add(const std::optional<std::string>& element) {
  if (element) add(std::string_view(*element));
  else addNull();
}

void ArrayLiteral::addNull() {
  separate();
  text_ += "NULL";
}

std::string ArrayLiteral::take() {
  std::string out = std::move(text_);
  out += '}';
  text_ = "{";
  empty_ = true;
  return out;
}

}  // namespace wno::pg
