// Parses a request body as JSON, for every route that takes one. Beyond RFC
// 8259 syntax it refuses what would hurt the host later:
//   - nesting deeper than kMaxJsonBodyDepth arrays/objects: serializing and
//     validating JSON recurse once per level, so a 1 MiB body of "[" would
//     end the process on a stack overflow when a route or store dumps it;
//   - numbers that overflow a double ("1e999"), which the parser reports as
//     a range error rather than a syntax error.
// THREADS: a pure function. Never throws.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace wno::host::http {

inline constexpr size_t kMaxJsonBodyDepth = 64;

struct JsonBodyError {
  std::string message;  // "nesting deeper than 64 levels", "syntax error while parsing ..."
  size_t byte = 0;      // 1-based offset where the problem was found; 0 when unknown
};

std::optional<nlohmann::json> parseJsonBody(std::string_view text, JsonBodyError& error,
                                            size_t maxDepth = kMaxJsonBodyDepth);

}  // namespace wno::host::http
