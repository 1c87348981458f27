#include "data/cursor.h"

#include "core/constant_time.h"

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/HMACEngine.h>
#include <Poco/SHA2Engine.h>

#include <sstream>

namespace wno::host::data {
namespace {

// HMACEngine needs the block and digest sizes as members of the engine type.
class Sha256 : public Poco::SHA2Engine {
 public:
  enum { BLOCK_SIZE = 64, DIGEST_SIZE = 32 };
  Sha256() : Poco::SHA2Engine(SHA_256) {}
};

std::string base64url(const std::string& bytes) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
  encoder.rdbuf()->setLineLength(0);
  encoder << bytes;
  encoder.close();
  return out.str();
}

bool unbase64url(const std::string& text, std::string& out) {
  for (char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  try {
    std::istringstream in(text);
    Poco::Base64Decoder decoder(in, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
    out.assign(std::istreambuf_iterator<char>(decoder), std::istreambuf_iterator<char>());
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

std::string CursorCodec::sign(const std::string& payload) const {
  Poco::HMACEngine<Sha256> hmac(secret_);
  hmac.update(payload);
  const auto& digest = hmac.digest();
  return std::string(digest.begin(), digest.end());
}

std::string CursorCodec::encode(const std::string& collection, const std::string& sortSignature,
                                const std::string& filterSignature, const nlohmann::json& after) const {
  const nlohmann::json payload = {{"v", 1}, {"c", collection}, {"s", sortSignature},
                                  {"f", filterSignature}, {"a", after}};
  return frame(payload.dump());
}

std::string CursorCodec::frame(const std::string& payload) const {
  return base64url(payload) + "." + base64url(sign(payload));
}

Result<nlohmann::json> CursorCodec::decode(const std::string& cursor, const std::string& collection,
                                           const std::string& sortSignature,
                                           const std::string& filterSignature) const {
  const auto dot = cursor.find('.');
  std::string payload, mac;
  if (cursor.size() > 4096 || dot == std::string::npos || !unbase64url(cursor.substr(0, dot), payload) ||
      !unbase64url(cursor.substr(dot + 1), mac)) {
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
