#include "config/schema_validator.h"

#include "config/json_pointer.h"
#include "config/key_suggestion.h"
#include "config/schema_navigation.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace wno::config {
namespace {

bool integral(double d) { return std::isfinite(d) && std::floor(d) == d; }

// JSON Schema type names; an integer is also a "number", and 3.0 is an "integer".
bool hasType(const nlohmann::json& v, const std::string& type) {
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "boolean") return v.is_boolean();
  if (type == "null") return v.is_null();
  if (type == "number") return v.is_number();
  if (type == "integer") return v.is_number_integer() || (v.is_number_float() && integral(v.get<double>()));
  return false;
}

bool hasAnyType(const nlohmann::json& v, const std::vector<std::string>& types) {
  return std::any_of(types.begin(), types.end(), [&](const std::string& t) { return hasType(v, t); });
}

bool allows(const std::vector<std::string>& types, const char* type) {
  return std::find(types.begin(), types.end(), type) != types.end();
}

// The JSON (RFC 8259) type of a value, as messages name it.
std::string jsonType(const nlohmann::json& v) { return v.is_number() ? "number" : v.type_name(); }

// A value as messages show it. Never throws: bytes that are not UTF-8
// become U+FFFD instead of a type_error.316 escaping validation.
std::string shown(const nlohmann::json& v) { return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

std::string quoted(const std::string& s) {
  // Long values are cut: the point is recognising the value, not echoing it.
  // The cut backs off to a character boundary, so UTF-8 stays UTF-8.
  if (s.size() <= 60) return shown(s);
  size_t cut = 57;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return shown(s.substr(0, cut) + "...");
}

// Applies what the value's origin allows; true when the value now fits.
bool coerce(nlohmann::json& value, const std::vector<std::string>& types, const ValueOrigin& origin) {
  if (origin.kind == ValueOrigin::Kind::kEnvironment && value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    // "${X:-}" for a nullable key means "not set".
    nlohmann::json parsed = text.empty() ? nlohmann::json(nullptr) : nlohmann::json::parse(text, nullptr, false);
    if (parsed.is_discarded() || parsed.is_structured() || parsed.is_string() || !hasAnyType(parsed, types)) return false;
    value = std::move(parsed);
    return true;
  }
  if (origin.kind == ValueOrigin::Kind::kCommandLine && !value.is_string() && allows(types, "string")) {
    // "--set /admin/api_key=12345" means the text, not the number.
    value = origin.rawText;
    return true;
  }
  return false;
}

std::string typeMessage(const std::vector<std::string>& types, const nlohmann::json& value, const ValueOrigin* origin) {
  std::string expected;
  for (const auto& t : types) expected += (expected.empty() ? "" : " or ") + t;
  std::string message = "expected " + expected + ", got " + jsonType(value);
  if (value.is_number_float() && allows(types, "integer")) message += " " + shown(value);
  if (origin && value.is_string()) {
    message += " " + quoted(value.get_ref<const std::string&>()) + " (from " + origin->source + ")";
  }
  return message;
}

size_t characters(const std::string& s) {
  return static_cast<size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::vector<std::string> typesOf(const nlohmann::json& type) {
  if (type.is_string()) return {type.get<std::string>()};
  std::vector<std::string> out;
  if (type.is_array()) {
    for (const auto& t : type) {
      if (t.is_string()) out.push_back(t.get<std::string>());
    }
  }
  return out;
}

}  // namespace

const std::set<std::string>& SchemaValidator::knownKeywords() {
  static const std::set<std::string> keywords = {
      "type",      "properties", "additionalProperties", "required",    "enum",     "minimum", "maximum",
      "minLength", "pattern",    "items",                "minItems",    "default",  "$ref",    "definitions",
      "$schema",   "$id",        "title",                "description", "$comment", "examples",
      // Read by the overlay merge (keyed_merge.h), not by validation.
      "x-merge-key", "x-replace-when-changed"};
  return keywords;
}

void SchemaValidator::validate(nlohmann::json& document, const ValueOrigins& origins,
                               std::vector<ConfigError>& errors) const {
  check(document, root_, "", origins, errors);
}

void SchemaValidator::validateAt(nlohmann::json& value, const nlohmann::json& subschema, const std::string& pointer,
                                 std::vector<ConfigError>& errors) const {
  check(value, subschema, pointer, {}, errors);
}

const std::regex* SchemaValidator::compiled(const std::string& pattern) const {
  auto it = patterns_.find(pattern);
  if (it == patterns_.end()) {
    std::shared_ptr<std::regex> re;
    try {
      re = std::make_shared<std::regex>(pattern, std::regex::ECMAScript);
    } catch (const std::regex_error&) {
    }
    it = patterns_.emplace(pattern, std::move(re)).first;
  }
  return it->second.get();
}

void SchemaValidator::check(nlohmann::json& value, const nlohmann::json& schemaIn, const std::string& pointer,
                            const ValueOrigins& origins, std::vector<ConfigError>& errors) const {
  const nlohmann::json& schema = resolveRef(root_, schemaIn);
  if (!schema.is_object()) return;
  const std::string at = pointer.empty() ? "/" : pointer;
  const auto originIt = origins.find(pointer);
  const ValueOrigin* origin = originIt == origins.end() ? nullptr : &originIt->second;
  if (origin && origin->failed) return;  // its substitution error says it all

  if (auto type = schema.find("type"); type != schema.end()) {
    const auto types = typesOf(*type);
    if (!hasAnyType(value, types) && !(origin && coerce(value, types, *origin))) {
      errors.push_back({at, typeMessage(types, value, origin)});
      return;  // further checks would only restate the type error
    }
    // 3.0 where only integers are allowed: hand the host an integer.
    if (value.is_number_float() && allows(types, "integer") && !allows(types, "number") &&
        std::fabs(value.get<double>()) < 9.0e18) {
      value = static_cast<std::int64_t>(value.get<double>());
    }
  }
  if (auto allowed = schema.find("enum"); allowed != schema.end() && allowed->is_array()) {
    if (std::find(allowed->begin(), allowed->end(), value) == allowed->end()) {
      std::string list;
      for (const auto& a : *allowed) list += (list.empty() ? "" : ", ") + shown(a);
      errors.push_back({at, "must be one of " + list + ", got " + shown(value)});
      return;
    }
  }
  if (value.is_number()) {
    const double n = value.get<double>();
    if (auto min = schema.find("minimum"); min != schema.end() && min->is_number() && n < min->get<double>()) {
      errors.push_back({at, "must be >= " + min->dump() + ", got " + shown(value)});
    }
    if (auto max = schema.find("maximum"); max != schema.end() && max->is_number() && n > max->get<double>()) {
      errors.push_back({at, "must be <= " + max->dump() + ", got " + shown(value)});
    }
  }
  if (value.is_string()) {
    const std::string& s = value.get_ref<const std::string&>();
    if (auto min = schema.find("minLength"); min != schema.end() && min->is_number_unsigned()) {
      const size_t length = characters(s);
      if (length < min->get<size_t>()) {
        errors.push_back({at, s.empty() ? std::string("must not be empty")
                                        : "must be at least " + min->dump() + " characters, got " + std::to_string(length)});
      }
    }
    if (auto pattern = schema.find("pattern"); pattern != schema.end() && pattern->is_string()) {
      const std::string& p = pattern->get_ref<const std::string&>();
      if (const std::regex* re = compiled(p); !re) {
        errors.push_back({at, "the schema's pattern " + p + " is not a valid regular expression"});
      } else if (!std::regex_search(s, *re)) {
        errors.push_back({at, "must match " + p + ", got " + quoted(s)});
      }
    }
  }
  if (value.is_array()) {
    if (auto min = schema.find("minItems"); min != schema.end() && min->is_number_unsigned() &&
                                            value.size() < min->get<size_t>()) {
      errors.push_back({at, "needs at least " + min->dump() + " item" + (min->get<size_t>() == 1 ? "" : "s") +
                                ", got " + std::to_string(value.size())});
    }
    if (auto items = schema.find("items"); items != schema.end()) {
      for (size_t i = 0; i < value.size(); ++i) check(value[i], *items, pointer + "/" + std::to_string(i), origins, errors);
    }
  }
  if (value.is_object()) checkObject(value, schema, pointer, origins, errors);
}

void SchemaValidator::checkObject(nlohmann::json& value, const nlohmann::json& schema, const std::string& pointer,
                                  const ValueOrigins& origins, std::vector<ConfigError>& errors) const {
  static const nlohmann::json kNone = nlohmann::json::object();
  const auto propsIt = schema.find("properties");
  const nlohmann::json& properties = propsIt != schema.end() && propsIt->is_object() ? *propsIt : kNone;

  if (auto required = schema.find("required"); required != schema.end() && required->is_array()) {
    for (const auto& name : *required) {
      if (name.is_string() && !value.contains(name.get<std::string>())) {
        errors.push_back({pointer + "/" + pointerToken(name.get<std::string>()), "is required"});
      }
    }
  }
  const auto additionalIt = schema.find("additionalProperties");
  for (auto& [key, child] : value.items()) {
    const std::string childPointer = pointer + "/" + pointerToken(key);
    if (properties.contains(key)) {
      check(child, properties[key], childPointer, origins, errors);
    } else if (additionalIt != schema.end() && additionalIt->is_object()) {
      check(child, *additionalIt, childPointer, origins, errors);
    } else if (additionalIt != schema.end() && *additionalIt == false) {
      std::vector<std::string> known;
      for (const auto& [name, unused] : properties.items()) known.push_back(name);
      if (known.empty()) {
        errors.push_back({childPointer, "unknown key (this object takes no keys)"});
        continue;
      }
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      const auto suggestion = closestKey(key, known);
      errors.push_back({childPointer, "unknown key" + (suggestion ? "; did you mean \"" + *suggestion + "\"?" : "") +
                                          " (known: " + list + ")"});
    }
  }
  // Defaults go in after the keys were checked, so they are never reported
  // as unknown; object defaults are checked too, which fills their own
  // nested defaults.
  for (const auto& [key, propertySchema] : properties.items()) {
    if (value.contains(key)) continue;
    const nlohmann::json& resolved = resolveRef(root_, propertySchema);
    if (auto def = resolved.find("default"); def != resolved.end()) {
      value[key] = *def;
      if (value[key].is_structured()) check(value[key], resolved, pointer + "/" + pointerToken(key), origins, errors);
    }
  }
}

}  // namespace wno::config
