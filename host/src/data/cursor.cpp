#include "data/cursor.h"

#include "core/base64url.h"
#include "core/constant_time.h"

#include <string_view>

namespace wno::host::data {
namespace {

constexpr std::string_view kPayloadHead = "{\"a\":";

Status malformed() { return Status(WNO_ERR_INVALID, "malformed cursor"); }

}  // namespace

// The payload is the bytes nlohmann::json::dump() wrote for the object
// {"a":…,"c":…,"f":…,"s":…,"v":1} (members in name order), so cursors issued
// before it was written by hand still verify and decode.
CursorScope::CursorScope(const std::string& collection, const std::string& sortSignature,
                         const std::string& filterSignature)
    : collection_(collection), sortSignature_(sortSignature), filterSignature_(filterSignature) {
  tail_ = ",\"c\":";
  tail_ += nlohmann::json(collection).dump();
  tail_ += ",\"f\":";
  tail_ += nlohmann::json(filterSignature).dump();
  tail_ += ",\"s\":";
  tail_ += nlohmann::json(sortSignature).dump();
  tail_ += ",\"v\":1}";
}

std::string CursorCodec::encode(const CursorScope& scope, const nlohmann::json& after) const {
  std::string payload(kPayloadHead);
  payload += after.dump();
  payload += scope.payloadTail();
  return frame(payload);
}

std::string CursorCodec::frame(std::string_view payload) const {
  std::string out;
  out.reserve(payload.size() * 4 / 3 + 48);
  appendBase64Url(out, payload);
  out.push_back('.');
  appendBase64Url(out, common::HmacSha256::view(mac_.sign(payload)));
  return out;
}

Result<nlohmann::json> CursorCodec::decode(const std::string& cursor, const CursorScope& scope) const {
  // No length cap of its own: a cursor carries the filter signature, so one
  // for long filter values is long too, and refusing it would break paging
  // for a query the host accepted. The request head limit (http
  // max_header_bytes) bounds what arrives; decoding costs linear time.
  const auto dot = cursor.find('.');
  std::string payload, mac;
  const std::string_view framed(cursor);
  if (dot == std::string::npos || !decodeBase64Url(framed.substr(0, dot), payload) ||
      !decodeBase64Url(framed.substr(dot + 1), mac)) {
    return malformed();
  }
  if (!constantTimeEquals(mac, common::HmacSha256::view(mac_.sign(payload)))) {
    return Status(WNO_ERR_INVALID, "cursor signature does not verify (tampered or from another deployment)");
  }
  // A cursor this scope issued is its head, the `after` array, then exactly
  // the scope's tail: only the array needs parsing. The signature verified,
  // so the bytes are ours; anything else is read member by member below.
  const std::string_view text(payload);
  const std::string& tail = scope.payloadTail();
  if (text.size() > kPayloadHead.size() + tail.size() && text.starts_with(kPayloadHead) && text.ends_with(tail)) {
    auto after = nlohmann::json::parse(text.substr(kPayloadHead.size(), text.size() - kPayloadHead.size() - tail.size()),
                                       nullptr, false);
    if (after.is_array()) return after;
  }
  return decodeAnyLayout(payload, scope);
}

Result<nlohmann::json> CursorCodec::decodeAnyLayout(const std::string& payload, const CursorScope& scope) const {
  auto json = nlohmann::json::parse(payload, nullptr, false);
  if (json.is_discarded() || !json.is_object() || !json.contains("a") || !json["a"].is_array()) return malformed();
  // Not json.value(key, ""): it throws when the member is there but not a
  // string, and a payload signed by another version of the host may differ.
  auto member = [&json](const char* key) {
    const auto it = json.find(key);
    return it != json.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (member("c") != scope.collection()) return Status(WNO_ERR_INVALID, "cursor belongs to another collection");
  if (member("s") != scope.sortSignature() || member("f") != scope.filterSignature()) {
    return Status(WNO_ERR_INVALID, "cursor was issued for a different sort or filter; start again without it");
  }
  return json["a"];
}

}  // namespace wno::host::data
