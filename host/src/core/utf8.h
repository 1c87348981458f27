// UTF-8 validity (RFC 3629: no overlong forms, no surrogates, nothing above
// U+10FFFF) for text that arrives as raw bytes — decoded query strings,
// --set values, environment variables — and becomes a JSON string, which
// nlohmann::json refuses to serialize (it throws) when it is not UTF-8.
// Header-only so the config library can use it without linking the host.
// THREADS: pure functions.
#pragma once

#include <cstddef>
#include <string_view>

namespace wno::host {

// The offset of the first byte that does not start a well-formed sequence,
// or std::string_view::npos when all of `text` is UTF-8.
inline size_t invalidUtf8At(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  auto continuation = [&](size_t i, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
    return i < n && s[i] >= lo && s[i] <= hi;
  };
  for (size_t i = 0; i < n;) {
    const unsigned char c = s[i];
    size_t length = 0;
    if (c < 0x80) length = 1;
    else if (c >= 0xC2 && c <= 0xDF) length = continuation(i + 1) ? 2 : 0;
    else if (c == 0xE0) length = continuation(i + 1, 0xA0) && continuation(i + 2) ? 3 : 0;
    else if (c == 0xED) length = continuation(i + 1, 0x80, 0x9F) && continuation(i + 2) ? 3 : 0;  // no surrogates
    else if (c >= 0xE1 && c <= 0xEF) length = continuation(i + 1) && continuation(i + 2) ? 3 : 0;
    else if (c == 0xF0) length = continuation(i + 1, 0x90) && continuation(i + 2) && continuation(i + 3) ? 4 : 0;
    else if (c >= 0xF1 && c <= 0xF3) length = continuation(i + 1) && continuation(i + 2) && continuation(i + 3) ? 4 : 0;
    else if (c == 0xF4) length = continuation(i + 1, 0x80, 0x8F) && continuation(i + 2) && continuation(i + 3) ? 4 : 0;
    if (length == 0) return i;
    i += length;
  }
  return std::string_view::npos;
}

inline bool isValidUtf8(std::string_view text) { return invalidUtf8At(text) == std::string_view::npos; }

}  // namespace wno::host
