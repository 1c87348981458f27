// FNV-1a, 64 bits: a cheap content hash that is stable across hosts, builds
// and runs (std::hash promises none of that), for ETags and shared names.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace wno::host {

inline uint64_t fnv1a64(std::string_view text) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

// The hash as 16 lower-case hex digits.
inline std::string fnv1a64Hex(std::string_view text) {
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(fnv1a64(text)));
  return out;
}

}  // namespace wno::host
