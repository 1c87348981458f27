// Opaque, tamper-evident keyset cursors: base64url(payload) "." base64url(HMAC-
// SHA256(secret, payload)). The payload binds the cursor to the collection,
// sort and filters it came from, so it cannot be replayed against another
// query, and carries the sort-key values of the last row returned.
#pragma once

#include "common/hmac_sha256.h"
#include "core/status.h"

#include <nlohmann/json.hpp>

#include <string>

namespace wno::host::data {

// What a cursor is bound to. Built once per request and used both to check
// the cursor that came in and to issue the next one: the payload's bytes
// after the `after` values depend on nothing else, so they are written once.
class CursorScope {
 public:
  CursorScope(const std::string& collection, const std::string& sortSignature, const std::string& filterSignature);

  const std::string& collection() const { return collection_; }
  const std::string& sortSignature() const { return sortSignature_; }
  const std::string& filterSignature() const { return filterSignature_; }
  // `,"c":…,"f":…,"s":…,"v":1}`: the payload after its `{"a":[…]` opening.
  const std::string& payloadTail() const { return tail_; }

 private:
  std::string collection_, sortSignature_, filterSignature_, tail_;
};

class CursorCodec {
 public:
  explicit CursorCodec(const std::string& secret) : mac_(secret) {}

  std::string encode(const CursorScope& scope, const nlohmann::json& after) const;
  // The `after` values, or WNO_ERR_INVALID naming why (malformed, tampered,
  // or issued for another query).
  Result<nlohmann::json> decode(const std::string& cursor, const CursorScope& scope) const;

  // One-off forms of the two above, for callers with a single cursor per scope.
  std::string encode(const std::string& collection, const std::string& sortSignature,
                     const std::string& filterSignature, const nlohmann::json& after) const {
    return encode(CursorScope(collection, sortSignature, filterSignature), after);
  }
  Result<nlohmann::json> decode(const std::string& cursor, const std::string& collection,
                                const std::string& sortSignature, const std::string& filterSignature) const {
    return decode(cursor, CursorScope(collection, sortSignature, filterSignature));
  }

  // Any payload framed and signed as encode() frames a page's: what another
  // version of the host sharing this secret could have issued (tests, fuzzing).
  std::string frame(std::string_view payload) const;

 private:
  Result<nlohmann::json> decodeAnyLayout(const std::string& payload, const CursorScope& scope) const;
  common::HmacSha256 mac_;
};

}  // namespace wno::host::data
