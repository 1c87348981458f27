// JSON string literals for writers that build JSON as text.
#pragma once

#include <string>
#include <string_view>

namespace wno::common {

// Appends `s` as a JSON string literal. Plain text (printable ASCII with no
// quote or backslash: ids, names, most messages) is copied as it is, with
// no allocation; anything else goes through the JSON library, which
// escapes it and replaces bytes that are not UTF-8 with U+FFFD, so a
// writer never fails on what a handler or a client handed it.
void appendJsonString(std::string& out, std::string_view s);

}  // namespace wno::common
