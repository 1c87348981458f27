// What the host stores in a backend for one cache value: a small header with
// the value's logical expiry, region and tags, then the value bytes.
// Backends see the physical expiry (logical + fail-safe grace) and evict
// after it; between the two the host may still serve the value as stale
// when recomputing fails. Region and tags ride along so that an L2 hit can
// fill L1 with everything tag and region invalidation need.
//   'W' | version 1 | int64 logical expiry (Unix ms, LE) | u16 region length | region
//   | u16 tag count | (u16 length | tag)* | value bytes
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wno::host {

struct CacheEnvelope {
  int64_t logicalExpiresAtMs = 0;
  std::string region;
  std::vector<std::string> tags;
  std::string value;
};

// The same, as views into the bytes it was read from (no copies); tags are
// only collected when asked for, since a plain hit needs none of them.
struct EnvelopeView {
  int64_t logicalExpiresAtMs = 0;
  std::string_view region;
  std::vector<std::string_view> tags;
  std::string_view value;
};

std::string encodeEnvelope(const CacheEnvelope& envelope);
// nullopt for bytes that are not a well-formed envelope (written by something else).
std::optional<CacheEnvelope> decodeEnvelope(std::string_view bytes);
std::optional<EnvelopeView> viewEnvelope(std::string_view bytes, bool withTags);

}  // namespace wno::host
