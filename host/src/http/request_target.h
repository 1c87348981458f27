// Splits an origin-form request target ("/a/b?x=1&y=%20") into its decoded
// path and query parameters. '+' in the query is a space (HTML forms);
// a malformed percent escape makes the whole target undecodable, and the
// caller keeps the raw target as the path (no route matches it: a 404).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wno::host::http {

struct RequestTarget {
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
};

// false when a percent escape is malformed; `out` is then unspecified.
bool decodeRequestTarget(std::string_view target, RequestTarget& out);

}  // namespace wno::host::http
