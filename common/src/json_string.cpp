#include "common/json_string.h"

#include <nlohmann/json.hpp>

namespace wno::common {

void appendJsonString(std::string& out, std::string_view s) {
  bool plain = true;
  for (const unsigned char c : s) plain = plain && c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
  if (!plain) {
    out += nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return;
  }
  out += '"';
  out += s;
  out += '"';
}

}  // namespace wno::common
