#include "config/env_substitution.h"

#include "config/json_pointer.h"
#include "core/utf8.h"

namespace wno::config {
namespace {

bool validName(const std::string& name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

struct Expansion {
  std::string text;
  size_t substitutions = 0;
  bool otherText = false;  // anything besides substitutions: then it is never coerced
  std::string lastExpression;
  bool failed = false;
};

// The result of expanding one string. Every problem in it is reported, not
// only the first.
Expansion expand(const std::string& in, const std::string& pointer, const GetEnv& getenv,
                 std::vector<ConfigError>& errors) {
  Expansion out;
  for (size_t i = 0; i < in.size();) {
    if (in.compare(i, 3, "$${") == 0) {
      out.text += "${";
      out.otherText = true;
      i += 3;
      continue;
    }
    if (in.compare(i, 2, "${") != 0) {
      out.text += in[i++];
      out.otherText = true;
      continue;
    }
    const size_t end = in.find('}', i + 2);
    if (end == std::string::npos) {
      errors.push_back({pointer, "unterminated \"${\" in \"" + in + "\" (write $${ for a literal ${)"});
      out.failed = true;
      return out;
    }
    const std::string expression = in.substr(i, end + 1 - i);
    std::string name = in.substr(i + 2, end - i - 2);
    std::optional<std::string> fallback;
    if (auto sep = name.find(":-"); sep != std::string::npos) {
      fallback = name.substr(sep + 2);
      name.resize(sep);
    }
    i = end + 1;
    if (!validName(name)) {
      errors.push_back({pointer, "\"" + expression + "\" is not a valid environment variable reference "
                                 "(names are letters, digits and _, not starting with a digit)"});
      out.failed = true;
      continue;
    }
    auto value = getenv(name);
    if ((!value || value->empty()) && fallback) value = fallback;
    if (!value) {
      errors.push_back({pointer, "environment variable " + name + " is not set (use ${" + name +
                                     ":-default} to allow that)"});
      out.failed = true;
      continue;
    }
    // Config strings are JSON strings: a value that is not UTF-8 could not
    // be printed or compared later (nlohmann::json throws on it).
    if (const size_t bad = host::invalidUtf8At(*value); bad != std::string::npos) {
      errors.push_back({pointer, "environment variable " + name + " is not valid UTF-8 (invalid byte at offset " +
                                     std::to_string(bad) + ")"});
      out.failed = true;
      continue;
    }
    // Not expanded again: a value containing "${" is taken literally.
    out.text += *value;
    out.lastExpression = expression;
    ++out.substitutions;
  }
  return out;
}

void walk(nlohmann::json& node, const std::string& pointer, const GetEnv& getenv, ValueOrigins& origins,
          std::vector<ConfigError>& errors) {
  if (node.is_string()) {
    const std::string& in = node.get_ref<const std::string&>();
    if (in.find("${") == std::string::npos) return;
    Expansion e = expand(in, pointer, getenv, errors);
    if (e.failed) {
      origins[pointer] = ValueOrigin{ValueOrigin::Kind::kEnvironment, in, "", true};
      return;
    }
    if (e.substitutions == 1 && !e.otherText) {
      origins[pointer] = ValueOrigin{ValueOrigin::Kind::kEnvironment, e.lastExpression, "", false};
    }
    node = std::move(e.text);
  } else if (node.is_object()) {
    for (auto& [key, value] : node.items()) walk(value, pointer + "/" + pointerToken(key), getenv, origins, errors);
  } else if (node.is_array()) {
    for (size_t i = 0; i < node.size(); ++i) walk(node[i], pointer + "/" + std::to_string(i), getenv, origins, errors);
  }
}

}  // namespace

void substituteEnv(nlohmann::json& document, const GetEnv& getenv, ValueOrigins& origins,
                   std::vector<ConfigError>& errors) {
  walk(document, "", getenv, origins, errors);
}

}  // namespace wno::config
