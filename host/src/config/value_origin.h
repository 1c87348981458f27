// Where a value came from when that changes how it is validated: a string
// that was exactly one ${VAR} may become the number/boolean/null the schema
// wants, and a --set value that parsed as a JSON scalar may fall back to its
// raw text where the schema wants a string. Keyed by JSON pointer.
#pragma once

#include <map>
#include <string>

namespace wno::config {

struct ValueOrigin {
  enum class Kind { kEnvironment, kCommandLine };
  Kind kind;
  std::string source;   // as the operator wrote it: "${PORT:-8080}" or "--set /http/port=80"
  std::string rawText;  // kCommandLine: the text after '='
  bool failed = false;  // already reported (unset variable): validation skips it
};

using ValueOrigins = std::map<std::string, ValueOrigin>;

}  // namespace wno::config
