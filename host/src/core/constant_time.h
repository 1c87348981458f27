// Comparing secrets (API keys, MACs) without an early exit, so the time a
// comparison takes does not reveal how many leading bytes of a guess were
// right. Strings of different lengths still cost the longer one's length.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string_view>

namespace wno::host {

inline bool constantTimeEquals(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

}  // namespace wno::host
