#include "config/overrides.h"

#include "config/json_pointer.h"
#include "core/utf8.h"

#include <optional>

namespace wno::config {
namespace {

// RFC 6901 reference tokens of "/a/b~1c": {"a", "b/c"}; nullopt (with the
// reason) when a '~' is not followed by 0 or 1.
std::optional<std::vector<std::string>> splitPointer(const std::string& pointer, std::string& why) {
  std::vector<std::string> tokens;
  for (size_t i = 1; i <= pointer.size();) {
    const size_t end = std::min(pointer.find('/', i), pointer.size());
    std::string token;
    for (size_t j = i; j < end; ++j) {
      if (pointer[j] != '~') {
        token += pointer[j];
      } else if (j + 1 < end && (pointer[j + 1] == '0' || pointer[j + 1] == '1')) {
        token += pointer[++j] == '0' ? '~' : '/';
      } else {
        why = "invalid escape in \"" + pointer + "\" (write ~0 for ~ and ~1 for /)";
        return std::nullopt;
      }
    }
    tokens.push_back(token);
    i = end + 1;
  }
  return tokens;
}

// An array index token: decimal without leading zeros, or "-" (one past the end).
std::optional<size_t> arrayIndex(const std::string& token, size_t size) {
  if (token == "-") return size;
  if (token.empty() || token.size() > 9 || (token.size() > 1 && token[0] == '0')) return std::nullopt;
  for (char c : token) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  return std::stoul(token);
}

std::string typeOf(const nlohmann::json& v) {
  return v.is_number() ? "number" : v.type_name();
}

// Sets `value` at `tokens`; returns the pointer it landed at ("-" resolved
// to the index), or nullopt with `why`.
std::optional<std::string> setAt(nlohmann::json& document, const std::vector<std::string>& tokens,
                                 const nlohmann::json& value, std::string& why) {
  nlohmann::json* node = &document;
  std::string where;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const bool last = i + 1 == tokens.size();
    const std::string& token = tokens[i];
    // A missing container becomes an object, or an array when the token
    // can only mean "append" ("/plugins/load/-" with no plugins yet).
    if (node->is_null()) *node = token == "-" ? nlohmann::json::array() : nlohmann::json::object();
    if (node->is_object()) {
      where += "/" + pointerToken(token);
      node = &(*node)[token];
      if (last) *node = value;
      continue;
    }
    if (!node->is_array()) {
      why = (where.empty() ? std::string("the document") : where) + " is a " + typeOf(*node) +
            ", not an object or array";
      return std::nullopt;
    }
    const auto index = arrayIndex(token, node->size());
    if (!index) {
      why = "\"" + token + "\" is not an array index (" + (where.empty() ? "/" : where) + " is an array)";
      return std::nullopt;
    }
    if (*index > node->size()) {
      why = "array index " + token + " is out of range (" + where + " has " + std::to_string(node->size()) +
            " items; use - to append)";
      return std::nullopt;
    }
    if (*index == node->size()) node->push_back(last ? value : nlohmann::json::object());
    else if (last) (*node)[*index] = value;
    where += "/" + std::to_string(*index);
    node = &(*node)[*index];
  }
  return where;
}

void applyOne(nlohmann::json& document, const std::string& text, ValueOrigins& origins,
              std::vector<ConfigError>& errors) {
  // The pointer and value become JSON keys and strings, which must be UTF-8.
  if (const size_t bad = host::invalidUtf8At(text); bad != std::string::npos) {
    errors.push_back({"--set", "the argument is not valid UTF-8 (invalid byte at offset " + std::to_string(bad) + ")"});
    return;
  }
  const auto eq = text.find('=');
  if (eq == std::string::npos || text.empty() || text[0] != '/') {
    errors.push_back({"--set " + text, "expected /json/pointer=value, e.g. --set /http/port=9000"});
    return;
  }
  const std::string pointer = text.substr(0, eq);
  const std::string raw = text.substr(eq + 1);
  std::string why;
  const auto tokens = splitPointer(pointer, why);
  if (!tokens) {
    errors.push_back({pointer, "--set cannot apply: " + why});
    return;
  }
  nlohmann::json value = nlohmann::json::parse(raw, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) value = raw;
  const auto landed = setAt(document, *tokens, value, why);
  if (!landed) {
    errors.push_back({pointer, "--set cannot apply: " + why});
    return;
  }
  // An earlier --set below this pointer was replaced along with its value.
  for (auto it = origins.lower_bound(*landed); it != origins.end() && it->first.rfind(*landed, 0) == 0;) {
    const bool below = it->first.size() == landed->size() || it->first[landed->size()] == '/';
    it = below ? origins.erase(it) : std::next(it);
  }
  if (!value.is_structured()) {
    origins[*landed] = ValueOrigin{ValueOrigin::Kind::kCommandLine, "--set " + text, raw};
  }
}

}  // namespace

void applyOverrides(nlohmann::json& document, const std::vector<std::string>& overrides, ValueOrigins& origins,
                    std::vector<ConfigError>& errors) {
  for (const auto& text : overrides) applyOne(document, text, origins, errors);
}

}  // namespace wno::config
