#include "pg_options.h"

#include "pg_liveness.h"

#include <regex>
#include <stdexcept>

namespace wno::pg {
namespace {

const std::set<std::string> kPoolKeys = {"url", "pool_size", "pool_min", "pool_wait_ms", "connect_timeout_ms",
                                          "statement_timeout_ms"};

bool isUri(const std::string& url) { return url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0; }

int64_t integer(const nlohmann::json& config, const char* key, int64_t fallback, int64_t min, int64_t max) {
  if (!config.contains(key)) return fallback;
  const auto& v = config[key];
  if (!v.is_number_integer() || v.get<int64_t>() < min || v.get<int64_t>() > max) {
    throw std::invalid_argument(std::string(key) + ": expected an integer from " + std::to_string(min) + " to " +
                                std::to_string(max));
  }
  return v.get<int64_t>();
}

}  // namespace

std::vector<std::string> poolOptionKeys(std::initializer_list<const char*> extra) {
  std::vector<std::string> keys(kPoolKeys.begin(), kPoolKeys.end());
  keys.insert(keys.end(), extra.begin(), extra.end());
  return keys;
}

PoolOptions parsePoolOptions(const nlohmann::json& config, size_t defaultSize) {
  PoolOptions o;
  if (!config.contains("url") || !config["url"].is_string() || config["url"].get<std::string>().empty()) {
    throw std::invalid_argument("url: expected a postgresql:// connection URL");
  }
  o.url = config["url"].get<std::string>();
  o.size = static_cast<size_t>(integer(config, "pool_size", static_cast<int64_t>(defaultSize), 1, 512));
  o.min = static_cast<size_t>(integer(config, "pool_min", 1, 1, 512));
  if (o.min > o.size) {
    throw std::invalid_argument("pool_min: " + std::to_string(o.min) + " is more than pool_size (" +
                                std::to_string(o.size) + ")");
  }
  o.wait = std::chrono::milliseconds(integer(config, "pool_wait_ms", 2000, 1, 600000));
  o.connectTimeout = std::chrono::milliseconds(integer(config, "connect_timeout_ms", 5000, 1, 600000));
  o.statementTimeout = std::chrono::milliseconds(integer(config, "statement_timeout_ms", 15000, 0, 86400000));
  return o;
}

bool namesConnectionKey(const std::string& url, const std::string& key) {
  // A URI names it as a query parameter (?key= or &key=); a key=value
  // string as a word followed by '=', spaces allowed around it.
  const std::regex named(isUri(url) ? "[?&]" + key + "=" : "(^|\\s)" + key + "\\s*=");
  return std::regex_search(url, named);
}

std::string PoolOptions::conninfo(std::chrono::milliseconds timeout) const {
  // libpq waits whole seconds, and treats 1 as 2.
  const int64_t connectSeconds = std::max<int64_t>(2, (timeout.count() + 999) / 1000);
  const std::string statement = std::to_string(statementTimeout.count());
  const bool uri = isUri(url);
  // Later parameters win, so these override the same ones in the URL;
  // the liveness settings are only defaults, added where the URL is silent.
  std::string out = url;
  char separator = uri ? (url.find('?') == std::string::npos ? '?' : '&') : ' ';
  auto add = [&](const std::string& key, const std::string& value) {
    out += separator + key + "=" + value;
    if (uri) separator = '&';
  };
  add("connect_timeout", std::to_string(connectSeconds));
  std::string settings = "-c statement_timeout=" + statement;
  for (const auto& [name, value] : sessionSettings) settings += " -c " + name + "=" + value;
  if (uri) {
    std::string encoded;
    for (const char c : settings) encoded += c == ' ' ? "%20" : c == '=' ? "%3D" : std::string(1, c);
    add("options", encoded);
  } else {
    add("options", "'" + settings + "'");
  }
  for (const auto& setting : kLivenessSettings) {
    if (!namesConnectionKey(url, setting.key)) add(setting.key, setting.value);
  }
  return out;
}

}  // namespace wno::pg
