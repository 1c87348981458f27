#include "config/env_substitution.h"

#include "config/json_pointer.h"

#include <regex>

namespace wno::config {
namespace {

// Expands one string; false (with an error) when a variable is unset.
bool expand(const std::string& in, const std::string& pointer,
            const std::function<std::optional<std::string>(const std::string&)>& getenv, std::string& out,
            bool& whole, std::vector<ConfigError>& errors) {
  static const std::regex name("^[A-Za-z_][A-Za-z0-9_]*$");
  out.clear();
  whole = false;
  size_t substitutions = 0;
  bool literalText = false;
  for (size_t i = 0; i < in.size();) {
    if (in.compare(i, 3, "$${") == 0) {
      out += "${";
      i += 3;
      literalText = true;
      continue;
    }
    if (in.compare(i, 2, "${") != 0) {
      out += in[i++];
      literalText = true;
      continue;
    }
    const size_t end = in.find('}', i + 2);
    if (end == std::string::npos) {
      errors.push_back({pointer, "unterminated ${ in \"" + in + "\""});
      return false;
    }
    std::string expr = in.substr(i + 2, end - i - 2);
    std::optional<std::string> fallback;
    if (auto sep = expr.find(":-"); sep != std::string::npos) {
      fallback = expr.substr(sep + 2);
      expr = expr.substr(0, sep);
    }
    if (!std::regex_match(expr, name)) {
      errors.push_back({pointer, "\"${" + expr + "}\" is not a valid environment variable name"});
      return false;
    }
    auto value = getenv(expr);
    // ${VAR:-default} also applies the default when VAR is set but empty, as in sh.
    if ((!value || value->empty()) && fallback) value = fallback;
    if (!value) {
      errors.push_back({pointer, "environment variable " + expr + " is not set (use ${" + expr +
                                     ":-default} to allow that)"});
      return false;
    }
    out += *value;
    ++substitutions;
    i = end + 1;
  }
  whole = substitutions == 1 && !literalText;
  return true;
}

void walk(nlohmann::json& node, const std::string& pointer,
          const std::function<std::optional<std::string>(const std::string&)>& getenv, std::set<std::string>& whole,
          std::vector<ConfigError>& errors) {
  if (node.is_string()) {
    const std::string& in = node.get_ref<const std::string&>();
    if (in.find("${") == std::string::npos) return;
    std::string out;
    bool isWhole = false;
    if (expand(in, pointer, getenv, out, isWhole, errors)) {
      node = out;
      if (isWhole) whole.insert(pointer);
    }
  } else if (node.is_object()) {
    for (auto& [key, value] : node.items()) walk(value, pointer + "/" + pointerToken(key), getenv, whole, errors);
  } else if (node.is_array()) {
    for (size_t i = 0; i < node.size(); ++i) walk(node[i], pointer + "/" + std::to_string(i), getenv, whole, errors);
  }
}

}  // namespace

void substituteEnv(nlohmann::json& document, const std::function<std::optional<std::string>(const std::string&)>& getenv,
                   std::set<std::string>& wholeSubstitutions, std::vector<ConfigError>& errors) {
  walk(document, "", getenv, wholeSubstitutions, errors);
}

}  // namespace wno::config
