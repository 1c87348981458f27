#include "config/config_error.h"

namespace wno::config {

std::string formatErrors(const std::vector<ConfigError>& errors) {
  std::string out;
  for (const auto& e : errors) {
    std::string line = "  " + e.pointer + ": " + e.message;
    // A message is one line by contract; a stray newline (from a file name or
    // an environment value) would otherwise split it and break the list.
    for (char& c : line) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace wno::config
