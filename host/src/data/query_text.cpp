#include "data/query_text.h"

namespace wno::host::data {

bool splitList(const std::string& text, std::vector<std::string>& out, std::string& error) {
  std::string current;
  bool quoted = false, wasQuoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (quoted) {
      if (ch == '\\' && i + 1 < text.size()) current += text[++i];
      else if (ch == '"') quoted = false;
      else current += ch;
    } else if (ch == '"') {
      quoted = wasQuoted = true;
    } else if (ch == ',') {
      out.push_back(current);
      current.clear();
      wasQuoted = false;
    } else {
      current += ch;
    }
  }
  if (quoted) {
    error = "unterminated quote in list";
    return false;
  }
  if (!current.empty() || wasQuoted || !out.empty()) out.push_back(current);
  return true;
}

bool splitTerms(const std::string& text, std::vector<std::string>& out, std::string& error) {
  std::string current;
  int depth = 0;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (quoted) {
      if (ch == '\\' && i + 1 < text.size()) current += text.substr(i++, 2);
      else {
        if (ch == '"') quoted = false;
        current += ch;
      }
      continue;
    }
    if (ch == '"') quoted = true;
    if (ch == '(') ++depth;
    if (ch == ')' && --depth < 0) {
      error = "unbalanced \")\"";
      return false;
    }
    if (ch == ',' && depth == 0) {
      out.push_back(current);
      current.clear();
    } else {
      current += ch;
    }
  }
  if (quoted || depth != 0) {
    error = quoted ? "unterminated quote" : "unbalanced \"(\"";
    return false;
  }
  out.push_back(current);
  return true;
}

std::string unquoteScalar(const std::string& raw) {
  if (raw.size() < 2 || raw.front() != '"' || raw.back() != '"') return raw;
  std::string out;
  for (size_t i = 1; i + 1 < raw.size(); ++i) {
    if (raw[i] == '\\' && i + 2 < raw.size()) ++i;
    out += raw[i];
  }
  return out;
}

}  // namespace wno::host::data
