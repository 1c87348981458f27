#include "http/json_body.h"

namespace wno::host::http {
namespace {

// Depth of arrays and objects outside strings. Exact for well-formed JSON;
// for malformed text it may be off, but then the parser refuses the text
// anyway, and the parser itself does not recurse, so only well-formed deep
// documents need stopping here, before any code that recurses sees them.
bool withinDepth(std::string_view text, size_t maxDepth, size_t& byte) {
  size_t depth = 0;
  bool inString = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (inString) {
      if (c == '\\') ++i;
      else if (c == '"') inString = false;
    } else if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > maxDepth) {
        byte = i + 1;
        return false;
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return true;
}

}  // namespace

std::optional<nlohmann::json> parseJsonBody(std::string_view text, JsonBodyError& error, size_t maxDepth) {
  size_t byte = 0;
  if (!withinDepth(text, maxDepth, byte)) {
    error = {"nesting deeper than " + std::to_string(maxDepth) + " levels of arrays and objects", byte};
    return std::nullopt;
  }
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    error = {e.what(), e.byte};
  } catch (const nlohmann::json::exception& e) {
    // out_of_range.406: a number beyond double range.
    error = {e.what(), 0};
  }
  return std::nullopt;
}

}  // namespace wno::host::http
