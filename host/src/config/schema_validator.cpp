#include "config/schema_validator.h"

#include "config/json_pointer.h"

#include <algorithm>
#include <cmath>
#include <regex>

namespace wno::config {
namespace {

size_t editDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// The JSON type names a value satisfies ("integer" values are also "number").
bool hasType(const nlohmann::json& v, const std::string& type) {
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "boolean") return v.is_boolean();
  if (type == "null") return v.is_null();
  if (type == "integer") return v.is_number_integer() || (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>());
  if (type == "number") return v.is_number();
  return false;
}

std::string describe(const nlohmann::json& v) {
  if (v.is_number_integer()) return "integer";
  if (v.is_number()) return "number";
  if (v.is_boolean()) return "boolean";
  return v.type_name();
}

// Turns "8080" / "true" from a whole ${ENV} substitution into what the schema wants.
bool coerce(nlohmann::json& v, const std::vector<std::string>& types) {
  const std::string text = v.get<std::string>();
  for (const auto& type : types) {
    if (type == "integer") {
      try {
        size_t used = 0;
        long long n = std::stoll(text, &used);
        if (used == text.size()) {
          v = n;
          return true;
        }
      } catch (...) {
      }
    } else if (type == "number") {
      try {
        size_t used = 0;
        double d = std::stod(text, &used);
        if (used == text.size()) {
          v = d;
          return true;
        }
      } catch (...) {
      }
    } else if (type == "boolean" && (text == "true" || text == "false")) {
      v = text == "true";
      return true;
    }
  }
  return false;
}

}  // namespace

const nlohmann::json& SchemaValidator::resolve(const nlohmann::json& schema) const {
  if (schema.is_object() && schema.contains("$ref")) {
    const std::string ref = schema["$ref"].get<std::string>();
    if (ref.rfind("#/", 0) == 0) return root_.at(nlohmann::json::json_pointer(ref.substr(1)));
  }
  return schema;
}

void SchemaValidator::validate(nlohmann::json& value, const std::set<std::string>& coercible,
                               std::vector<ConfigError>& errors) const {
  check(value, root_, "", coercible, errors);
}

void SchemaValidator::check(nlohmann::json& value, const nlohmann::json& schemaIn, const std::string& pointer,
                            const std::set<std::string>& coercible, std::vector<ConfigError>& errors) const {
  const nlohmann::json& schema = resolve(schemaIn);
  const std::string at = pointer.empty() ? "/" : pointer;
  if (schema.contains("type")) {
    std::vector<std::string> types;
    if (schema["type"].is_array()) types = schema["type"].get<std::vector<std::string>>();
    else types.push_back(schema["type"].get<std::string>());
    bool ok = std::any_of(types.begin(), types.end(), [&](const std::string& t) { return hasType(value, t); });
    if (!ok && value.is_string() && coercible.count(pointer)) ok = coerce(value, types);
    if (!ok) {
      std::string expected;
      for (const auto& t : types) expected += (expected.empty() ? "" : " or ") + t;
      errors.push_back({at, "expected " + expected + ", got " + describe(value)});
      return;
    }
  }
  if (schema.contains("enum")) {
    const auto& allowed = schema["enum"];
    if (std::find(allowed.begin(), allowed.end(), value) == allowed.end()) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a.dump();
      errors.push_back({at, "must be one of " + list + ", got " + value.dump()});
      return;
    }
  }
  if (value.is_number()) {
    const double n = value.get<double>();
    if (schema.contains("minimum") && n < schema["minimum"].get<double>()) {
      errors.push_back({at, "must be >= " + schema["minimum"].dump() + ", got " + value.dump()});
    }
    if (schema.contains("maximum") && n > schema["maximum"].get<double>()) {
      errors.push_back({at, "must be <= " + schema["maximum"].dump() + ", got " + value.dump()});
    }
  }
  if (value.is_string()) {
    const std::string& s = value.get_ref<const std::string&>();
    if (schema.contains("minLength") && s.size() < schema["minLength"].get<size_t>()) {
      errors.push_back({at, s.empty() ? "must not be empty" : "is shorter than " + schema["minLength"].dump() + " characters"});
    }
    if (schema.contains("pattern") && !std::regex_search(s, std::regex(schema["pattern"].get<std::string>()))) {
      errors.push_back({at, "\"" + s + "\" does not match " + schema["pattern"].get<std::string>()});
    }
  }
  if (value.is_array()) {
    if (schema.contains("minItems") && value.size() < schema["minItems"].get<size_t>()) {
      errors.push_back({at, "needs at least " + schema["minItems"].dump() + " items"});
    }
    if (schema.contains("items")) {
      for (size_t i = 0; i < value.size(); ++i) {
        check(value[i], schema["items"], pointer + "/" + std::to_string(i), coercible, errors);
      }
    }
  }
  if (value.is_object()) {
    const nlohmann::json noProperties = nlohmann::json::object();
    const auto& properties = schema.contains("properties") ? schema["properties"] : noProperties;
    for (const auto& required : schema.value("required", nlohmann::json::array())) {
      if (!value.contains(required.get<std::string>())) {
        errors.push_back({pointer + "/" + pointerToken(required.get<std::string>()), "is required"});
      }
    }
    for (auto& [key, child] : value.items()) {
      const std::string childPointer = pointer + "/" + pointerToken(key);
      if (properties.contains(key)) {
        check(child, properties[key], childPointer, coercible, errors);
        continue;
      }
      const auto additional = schema.value("additionalProperties", nlohmann::json(true));
      if (additional.is_object()) {
        check(child, additional, childPointer, coercible, errors);
      } else if (additional == false) {
        std::string known, closest;
        size_t best = 3;  // suggest only near misses
        for (const auto& [name, unused] : properties.items()) {
          known += (known.empty() ? "" : ", ") + name;
          const size_t d = editDistance(key, name);
          if (d < best) {
            best = d;
            closest = name;
          }
        }
        errors.push_back({childPointer, "unknown key" + (closest.empty() ? "" : "; did you mean \"" + closest + "\"?") +
                                            " (known: " + known + ")"});
      }
    }
    // Defaults go in after checking, so a default is never reported as unknown.
    for (const auto& [key, propertySchema] : properties.items()) {
      const nlohmann::json& resolved = resolve(propertySchema);
      if (!value.contains(key) && resolved.contains("default")) {
        value[key] = resolved["default"];
        if (value[key].is_object()) check(value[key], resolved, pointer + "/" + pointerToken(key), coercible, errors);
      }
    }
  }
}

}  // namespace wno::config
