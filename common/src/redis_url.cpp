#include "common/redis_url.h"

#include <charconv>

namespace wno::common {
namespace {

bool parseInt(std::string_view text, int& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

std::optional<RedisUrl> parseRedisUrl(std::string_view url, std::string* error) {
  const std::string_view scheme = "redis://";
  auto refuse = [&](const char* what) -> std::optional<RedisUrl> {
    if (error) {
      *error = std::string(what) + "expected redis://[[user]:password@]host[:port][/db], got \"" + std::string(url) + "\"";
    }
    return std::nullopt;
  };
  if (url.substr(0, scheme.size()) != scheme) return refuse("");
  std::string_view rest = url.substr(scheme.size());
  RedisUrl parsed;
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view credentials = rest.substr(0, at);
    rest.remove_prefix(at + 1);
    if (auto colon = credentials.find(':'); colon != std::string_view::npos) {
      parsed.user = std::string(credentials.substr(0, colon));
      parsed.password = std::string(credentials.substr(colon + 1));
    } else {
      parsed.password = std::string(credentials);
    }
  }
  std::string_view hostPort = rest;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    hostPort = rest.substr(0, slash);
    std::string_view db = rest.substr(slash + 1);
    if (!db.empty() && db.back() == '/') db.remove_suffix(1);
    if (!db.empty() && (!parseInt(db, parsed.db) || parsed.db < 0)) return refuse("bad database number: ");
  }
  if (auto colon = hostPort.rfind(':'); colon != std::string_view::npos) {
    if (!parseInt(hostPort.substr(colon + 1), parsed.port) || parsed.port < 1 || parsed.port > 65535) {
      return refuse("bad port: ");
    }
    hostPort = hostPort.substr(0, colon);
  }
  if (hostPort.empty()) return refuse("no host: ");
  parsed.host = std::string(hostPort);
  return parsed;
}

}  // namespace wno::common
