#include "data/cursor.h"

#include "core/base64url.h"
#include "core/constant_time.h"

#include <Poco/HMACEngine.h>
#include <Poco/SHA2Engine.h>

#include <memory>
#include <string_view>

namespace wno::host::data {
namespace {

// HMACEngine needs the block and digest sizes as members of the engine type.
class Sha256 : public Poco::SHA2Engine {
 public:
  enum { BLOCK_SIZE = 64, DIGEST_SIZE = 32 };
  Sha256() : Poco::SHA2Engine(SHA_256) {}
};

}  // namespace

std::string CursorCodec::sign(const std::string& payload) const {
  // One engine per thread, kept while the secret is the same: building one
  // allocates and hashes the key into its pads, which cost more than
  // signing a cursor. digest() leaves it ready for the next payload.
  thread_local std::string engineSecret;
  thread_local std::unique_ptr<Poco::HMACEngine<Sha256>> engine;
  if (!engine || engineSecret != secret_) {
    engine = std::make_unique<Poco::HMACEngine<Sha256>>(secret_);
    engineSecret = secret_;
  }
  engine->update(payload);
  const auto& digest = engine->digest();
  return std::string(digest.begin(), digest.end());
}

std::string CursorCodec::encode(const std::string& collection, const std::string& sortSignature,
                                const std::string& filterSignature, const nlohmann::json& after) const {
  // The bytes nlohmann::json::dump() wrote for this object (members in name
  // order), written directly: one list page issues one cursor, and a DOM
  // built to be dumped once cost more than the signature.
  std::string payload = "{\"a\":";
  payload += after.dump();
  payload += ",\"c\":";
  payload += nlohmann::json(collection).dump();
  payload += ",\"f\":";
  payload += nlohmann::json(filterSignature).dump();
  payload += ",\"s\":";
  payload += nlohmann::json(sortSignature).dump();
  payload += ",\"v\":1}";
  return frame(payload);
}

std::string CursorCodec::frame(const std::string& payload) const {
  std::string out;
  out.reserve(payload.size() * 4 / 3 + 48);
  appendBase64Url(out, payload);
  out.push_back('.');
  appendBase64Url(out, sign(payload));
  return out;
}

Result<nlohmann::json> CursorCodec::decode(const std::string& cursor, const std::string& collection,
                                           const std::string& sortSignature,
                                           const std::string& filterSignature) const {
  const auto dot = cursor.find('.');
  std::string payload, mac;
  const std::string_view framed(cursor);
  if (cursor.size() > 4096 || dot == std::string::npos || !decodeBase64Url(framed.substr(0, dot), payload) ||
      !decodeBase64Url(framed.substr(dot + 1), mac)) {
    return Status(WNO_ERR_INVALID, "malformed cursor");
  }
  if (!constantTimeEquals(mac, sign(payload))) return Status(WNO_ERR_INVALID, "cursor signature does not verify (tampered or from another deployment)");
  auto json = nlohmann::json::parse(payload, nullptr, false);
  if (json.is_discarded() || !json.is_object() || !json.contains("a") || !json["a"].is_array()) {
    return Status(WNO_ERR_INVALID, "malformed cursor");
  }
  // Not json.value(key, ""): it throws when the member is there but not a
  // string, and a payload signed by another version of the host may differ.
  auto text = [&json](const char* key) {
    const auto it = json.find(key);
    return it != json.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (text("c") != collection) return Status(WNO_ERR_INVALID, "cursor belongs to another collection");
  if (text("s") != sortSignature || text("f") != filterSignature) {
    return Status(WNO_ERR_INVALID, "cursor was issued for a different sort or filter; start again without it");
  }
  return json["a"];
}

}  // namespace wno::host::data
