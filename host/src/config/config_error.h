// One config problem: where (a JSON pointer such as "/http/port", or a file
// path for problems with the file itself) and what. Loading collects these
// instead of throwing, so an operator sees every problem in one run.
#pragma once

#include <string>
#include <vector>

namespace wno::config {

struct ConfigError {
  std::string pointer;
  std::string message;
};

// "<pointer>: <message>" per error, one line each, indented two spaces so it
// reads as a list under the caller's headline.
std::string formatErrors(const std::vector<ConfigError>& errors);

}  // namespace wno::config
