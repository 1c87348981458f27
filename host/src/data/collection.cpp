#include "data/collection.h"

#include <algorithm>
#include <regex>

namespace wno::host::data {
namespace {

bool validIdentifier(const std::string& s) {
  static const std::regex pattern("^[a-z_][a-z0-9_]{0,62}$");
  return std::regex_match(s, pattern);
}

Field builtin(const std::string& name, FieldType type) {
  Field f;
  f.name = name;
  f.type = type;
  f.nullable = false;
  f.readOnly = true;
  return f;
}

}  // namespace

const Field* Collection::field(const std::string& name) const {
  for (const auto& f : fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

nlohmann::json Collection::toRepositoryJson() const {
  nlohmann::json fieldList = nlohmann::json::array();
  for (const auto& f : fields) {
    if (f.name == "id" || f.name == "created_at" || f.name == "version") continue;  // implicit in every table
    nlohmann::json j = {{"name", f.name}, {"type", fieldTypeName(f.type)}, {"nullable", f.nullable}, {"unique", f.unique}};
    if (!f.defaultValue.is_null()) j["default"] = f.defaultValue;
    fieldList.push_back(std::move(j));
  }
  nlohmann::json indexList = nlohmann::json::array();
  for (const auto& i : indexes) indexList.push_back(i);
  return {{"name", name}, {"table", table}, {"versioned", versioned}, {"fields", fieldList}, {"indexes", indexList}};
}

std::map<std::string, Collection> collectionsFrom(const nlohmann::json& collections, std::vector<std::string>& errors) {
  std::map<std::string, Collection> out;
  // Not a structured binding: the lambdas below use spec, and clang 14 (the
  // fuzz build's compiler) cannot capture structured bindings.
  for (const auto& item : collections.items()) {
    const std::string& name = item.key();
    const nlohmann::json& spec = item.value();
    const std::string at = "/data/collections/" + name;
    if (!validIdentifier(name)) {
      errors.push_back(at + ": collection names must match [a-z_][a-z0-9_]*");
      continue;
    }
    Collection c;
    c.name = name;
    c.table = spec.value("table", name);
    if (!validIdentifier(c.table)) errors.push_back(at + "/table: must match [a-z_][a-z0-9_]*");
    c.repository = spec.value("repository", "");
    c.versioned = spec.value("versioned", false);
    c.maxPageSize = spec.value("max_page_size", 100);
    c.defaultPageSize = std::min(spec.value("default_page_size", 20), c.maxPageSize);
    c.fields.push_back(builtin("id", FieldType::Int64));
    c.fields.push_back(builtin("created_at", FieldType::Timestamp));
    if (c.versioned) c.fields.push_back(builtin("version", FieldType::Int64));
    // Bound to a local: items() on the temporary value() returns would dangle.
    const nlohmann::json fieldSpecs = spec.value("fields", nlohmann::json::object());
    for (const auto& [fieldName, f] : fieldSpecs.items()) {
      const std::string fat = at + "/fields/" + fieldName;
      if (!validIdentifier(fieldName)) {
        errors.push_back(fat + ": field names must match [a-z_][a-z0-9_]*");
        continue;
      }
      if (c.field(fieldName)) {
        errors.push_back(fat + ": \"" + fieldName + "\" is built in (id, created_at, version)");
        continue;
      }
      Field field;
      field.name = fieldName;
      auto type = parseFieldType(f.value("type", ""));
      if (!type) {
        errors.push_back(fat + "/type: expected one of int64, text, bool, double, timestamp, json");
        continue;
      }
      field.type = *type;
      field.required = f.value("required", false);
      field.nullable = f.value("nullable", !field.required);
      field.unique = f.value("unique", false);
      field.readOnly = f.value("read_only", false);
      field.defaultValue = f.value("default", nlohmann::json());
      for (const auto& v : f.value("enum", nlohmann::json::array())) field.allowed.push_back(v.get<std::string>());
      // Bodies are checked against the enum as text, so an enum on another
      // type could never be satisfied (and used to fail every create with a 500).
      if (!field.allowed.empty() && field.type != FieldType::Text) {
        errors.push_back(fat + "/enum: only text fields take an enum; this field is " + fieldTypeName(field.type));
        continue;
      }
      if (!field.defaultValue.is_null() && !valueFromBody(field.type, field.defaultValue).isOk()) {
        errors.push_back(fat + "/default: does not match type " + fieldTypeName(field.type));
      } else if (!field.defaultValue.is_null() && !field.allowed.empty() &&
                 std::find(field.allowed.begin(), field.allowed.end(), field.defaultValue.get<std::string>()) ==
                     field.allowed.end()) {
        errors.push_back(fat + "/default: must be one of the field's enum values");
      }
      c.fields.push_back(std::move(field));
    }
    auto names = [&](const char* key, std::set<std::string>& into) {
      const auto& list = spec.value(key, nlohmann::json::array());
      for (size_t i = 0; i < list.size(); ++i) {
        const std::string f = list[i].get<std::string>();
        if (!c.field(f)) errors.push_back(at + "/" + key + "/" + std::to_string(i) + ": no field \"" + f + "\"");
        else if (c.field(f)->type == FieldType::Json) errors.push_back(at + "/" + key + "/" + std::to_string(i) + ": json fields cannot be used here");
        else into.insert(f);
      }
    };
    names("filterable", c.filterable);
    names("sortable", c.sortable);
    c.sortable.insert("id");
    for (const auto& op : spec.value("operations", nlohmann::json::array({"list", "get", "create", "bulk", "update", "delete"}))) {
      c.operations.insert(op.get<std::string>());
    }
    if (c.allows("update") && !c.versioned) errors.push_back(at + "/versioned: collections that allow update must be versioned");
    for (const auto& index : spec.value("indexes", nlohmann::json::array())) c.indexes.push_back(index);
    const auto& cache = spec.value("cache", nlohmann::json::object());
    c.cache.enabled = cache.value("enabled", true);
    c.cache.ttlMs = cache.value("ttl_ms", int64_t{30000});
    c.cache.controlHeader = "public, max-age=" + std::to_string(c.cache.ttlMs / 1000);
    c.cache.region = cache.value("region", name);
    c.cache.lists = cache.value("lists", true);
    const nlohmann::json extraTags = cache.value("tags", nlohmann::json::array());
    for (size_t i = 0; i < extraTags.size(); ++i) {
      if (!extraTags[i].is_string() || extraTags[i].get<std::string>().empty()) {
        errors.push_back(at + "/cache/tags/" + std::to_string(i) + ": expected a non-empty string");
        continue;
      }
      c.cache.tags.push_back(extraTags[i].get<std::string>());
    }
    std::set<std::string> fieldNames;
    for (const auto& f : c.fields) fieldNames.insert(f.name);
    const nlohmann::json invalidates = cache.value("invalidates", nlohmann::json::array());
    for (size_t i = 0; i < invalidates.size(); ++i) {
      const std::string pointer = at + "/cache/invalidates/" + std::to_string(i);
      if (!invalidates[i].is_string()) {
        errors.push_back(pointer + ": expected a tag such as \"users:{creator_id}:stats\"");
        continue;
      }
      std::string error;
      auto parsed = TagTemplate::parse(invalidates[i].get<std::string>(), fieldNames, error);
      if (!parsed) {
        errors.push_back(pointer + ": " + error);
        continue;
      }
      c.cache.invalidates.push_back(std::move(*parsed));
    }
    out.emplace(name, std::move(c));
  }
  return out;
}

namespace {

Result<nlohmann::json> validateBody(const Collection& c, const nlohmann::json& body, bool creating,
                                    std::string& parameter) {
  if (!body.is_object()) {
    parameter = "body";
    return Status(WNO_ERR_INVALID, std::string("expected a JSON object, got ") + body.type_name());
  }
  nlohmann::json row = nlohmann::json::object();
  for (const auto& [key, value] : body.items()) {
    parameter = key;
    const Field* f = c.field(key);
    if (!f) return Status(WNO_ERR_INVALID, "unknown field \"" + key + "\" in collection " + c.name);
    if (f->readOnly) return Status(WNO_ERR_INVALID, "field \"" + key + "\" is set by the server");
    if (value.is_null()) {
      if (!f->nullable) return Status(WNO_ERR_INVALID, "field \"" + key + "\" cannot be null");
      row[key] = nullptr;
      continue;
    }
    auto checked = valueFromBody(f->type, value);
    if (!checked.isOk()) return Status(WNO_ERR_INVALID, "field \"" + key + "\": " + checked.status().message());
    if (!f->allowed.empty() &&
        std::find(f->allowed.begin(), f->allowed.end(), checked.value().get<std::string>()) == f->allowed.end()) {
      std::string list;
      for (const auto& a : f->allowed) list += (list.empty() ? "" : ", ") + a;
      return Status(WNO_ERR_INVALID, "field \"" + key + "\" must be one of: " + list);
    }
    row[key] = std::move(checked).value();
  }
  if (creating) {
    for (const auto& f : c.fields) {
      if (f.readOnly || row.contains(f.name)) continue;
      if (f.required) {
        parameter = f.name;
        return Status(WNO_ERR_INVALID, "field \"" + f.name + "\" is required");
      }
      if (!f.defaultValue.is_null()) row[f.name] = f.defaultValue;
    }
  } else if (row.empty()) {
    parameter = "body";
    return Status(WNO_ERR_INVALID, "the patch changes no field");
  }
  parameter.clear();
  return row;
}

}  // namespace

Result<nlohmann::json> validateCreate(const Collection& c, const nlohmann::json& body, std::string& parameter) {
  return validateBody(c, body, true, parameter);
}

Result<nlohmann::json> validatePatch(const Collection& c, const nlohmann::json& body, std::string& parameter) {
  return validateBody(c, body, false, parameter);
}

}  // namespace wno::host::data
