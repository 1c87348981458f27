// Opaque, tamper-evident keyset cursors: base64url(payload) "." base64url(HMAC-
// SHA256(secret, payload)). The payload binds the cursor to the collection,
// sort and filters it came from, so it cannot be replayed against another
// query, and carries the sort-key values of the last row returned.
#pragma once

#include "core/status.h"

#include <nlohmann/json.hpp>

#include <string>

namespace wno::host::data {

class CursorCodec {
 public:
  explicit CursorCodec(std::string secret) : secret_(std::move(secret)) {}

  std::string encode(const std::string& collection, const std::string& sortSignature,
                     const std::string& filterSignature, const nlohmann::json& after) const;
  // The `after` values, or WNO_ERR_INVALID naming why (malformed, tampered,
  // or issued for another query).
  Result<nlohmann::json> decode(const std::string& cursor, const std::string& collection,
                                const std::string& sortSignature, const std::string& filterSignature) const;
  // Any payload framed and signed as encode() frames a page's: what another
  // version of the host sharing this secret could have issued (tests, fuzzing).
  std::string frame(const std::string& payload) const;

 private:
  std::string sign(const std::string& payload) const;
  std::string secret_;
};

}  // namespace wno::host::data
