// Escaping of one JSON pointer reference token (RFC 6901): "~" -> "~0", "/" -> "~1".
#pragma once

#include <string>

namespace wno::config {

inline std::string pointerToken(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

}  // namespace wno::config
