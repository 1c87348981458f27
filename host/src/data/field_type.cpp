#include "data/field_type.h"

#include "common/utc_time.h"
#include "core/utf8.h"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <regex>

namespace wno::host::data {

std::optional<FieldType> parseFieldType(const std::string& name) {
  if (name == "int64") return FieldType::Int64;
  if (name == "text") return FieldType::Text;
  if (name == "bool") return FieldType::Bool;
  if (name == "double") return FieldType::Double;
  if (name == "timestamp") return FieldType::Timestamp;
  if (name == "json") return FieldType::Json;
  return std::nullopt;
}

const char* fieldTypeName(FieldType type) {
  switch (type) {
    case FieldType::Int64: return "int64";
    case FieldType::Text: return "text";
    case FieldType::Bool: return "bool";
    case FieldType::Double: return "double";
    case FieldType::Timestamp: return "timestamp";
    default: return "json";
  }
}

std::optional<std::string> normalizeTimestamp(const std::string& text) {
  static const std::regex pattern(
      R"(^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$)");
  std::smatch m;
  if (!std::regex_match(text, m, pattern)) return std::nullopt;
  std::tm tm{};
  tm.tm_year = std::stoi(m[1]) - 1900;
  tm.tm_mon = std::stoi(m[2]) - 1;
  tm.tm_mday = std::stoi(m[3]);
  tm.tm_hour = std::stoi(m[4]);
  tm.tm_min = std::stoi(m[5]);
  tm.tm_sec = std::stoi(m[6]);
  if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60) {
    return std::nullopt;
  }
  const std::tm original = tm;
  std::time_t t = timegm(&tm);
  // timegm normalizes Feb 30 into March: a changed day means the date was invalid.
  if (tm.tm_mday != original.tm_mday || tm.tm_mon != original.tm_mon) return std::nullopt;
  const std::string offset = m[8];
  if (offset != "Z" && offset != "z") {
    const int sign = offset[0] == '-' ? -1 : 1;
    t -= sign * (std::stoi(offset.substr(1, 2)) * 3600 + std::stoi(offset.substr(4, 2)) * 60);
  }
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec);
  // Fractions are kept as written but padded to microseconds so that text
  // comparison orders "…:00.5Z" after "…:00.25Z".
  std::string fraction = m[7].matched ? std::string(m[7]).substr(1) : "";
  if (fraction.size() > 6) fraction.resize(6);
  while (!fraction.empty() && fraction.size() < 6) fraction += '0';
  return std::string(buffer) + (fraction.empty() ? "" : "." + fraction) + "Z";
}

std::string nowTimestamp() { return common::utcNow(6); }

Result<nlohmann::json> valueFromQuery(FieldType type, const std::string& text) {
  switch (type) {
    case FieldType::Int64: {
      int64_t v = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
        return Status(WNO_ERR_INVALID, "expected an int64, got \"" + text + "\"");
      }
      return nlohmann::json(v);
    }
    case FieldType::Double: {
      try {
        size_t used = 0;
        double v = std::stod(text, &used);
        if (used != text.size()) throw std::invalid_argument(text);
        return nlohmann::json(v);
      } catch (const std::exception&) {
        return Status(WNO_ERR_INVALID, "expected a number, got \"" + text + "\"");
      }
    }
    case FieldType::Bool:
      if (text == "true") return nlohmann::json(true);
      if (text == "false") return nlohmann::json(false);
      return Status(WNO_ERR_INVALID, "expected true or false, got \"" + text + "\"");
    case FieldType::Timestamp: {
      auto ts = normalizeTimestamp(text);
      if (!ts) return Status(WNO_ERR_INVALID, "expected an RFC 3339 timestamp, got \"" + text + "\"");
      return nlohmann::json(*ts);
    }
    case FieldType::Json:
      return Status(WNO_ERR_INVALID, "json fields cannot be filtered");
    default:
      // Decoded query strings are raw bytes ("%FF"); the value goes into
      // JSON (cache key, repository QUERY), which must be UTF-8.
      if (const size_t bad = invalidUtf8At(text); bad != std::string_view::npos) {
        return Status(WNO_ERR_INVALID, "expected UTF-8 text, got an invalid byte at offset " + std::to_string(bad));
      }
      return nlohmann::json(text);
  }
}

Result<nlohmann::json> valueFromBody(FieldType type, const nlohmann::json& value) {
  auto wrong = [&](const char* expected) {
    return Status(WNO_ERR_INVALID, std::string("expected ") + expected + ", got " + value.type_name());
  };
  switch (type) {
    case FieldType::Int64:
      if (!value.is_number_integer()) return wrong("an integer");
      return value;
    case FieldType::Double:
      if (!value.is_number()) return wrong("a number");
      return value;
    case FieldType::Bool:
      if (!value.is_boolean()) return wrong("a boolean");
      return value;
    case FieldType::Text:
      if (!value.is_string()) return wrong("a string");
      return value;
    case FieldType::Timestamp: {
      if (!value.is_string()) return wrong("an RFC 3339 timestamp string");
      auto ts = normalizeTimestamp(value.get<std::string>());
      if (!ts) return Status(WNO_ERR_INVALID, "expected an RFC 3339 timestamp, got \"" + value.get<std::string>() + "\"");
      return nlohmann::json(*ts);
    }
    default:
      return value;
  }
}

}  // namespace wno::host::data
