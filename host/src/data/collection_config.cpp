// collectionsFrom (collection.h): /data/collections into Collections.
// Missing keys take config/schema.json's defaults; what a schema cannot
// check (references between fields, identifiers used in SQL, enums that
// suit the type, tag templates) is checked here, naming the pointer.
#include "data/collection.h"

#include "config/options_reader.h"

#include <algorithm>
#include <regex>

namespace wno::host::data {
namespace {

using config::OptionsNode;

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

// nullopt (with the reason in errors) for a field the collection cannot have.
std::optional<Field> fieldFrom(const std::string& fieldName, const OptionsNode& f, std::vector<std::string>& errors) {
  const std::string& fat = f.pointer();
  Field field;
  field.name = fieldName;
  auto type = parseFieldType(f.find<std::string>("type").value_or(""));
  if (!type) {
    errors.push_back(fat + "/type: expected one of int64, text, bool, double, timestamp, json");
    return std::nullopt;
  }
  field.type = *type;
  field.required = f.get<bool>("required");
  // Not in the schema: it follows "required" (a required field is not nullable).
  field.nullable = f.find<bool>("nullable").value_or(!field.required);
  field.unique = f.get<bool>("unique");
  field.readOnly = f.get<bool>("read_only");
  if (f.has("default")) field.defaultValue = f.get<nlohmann::json>("default");
  if (f.has("enum")) field.allowed = f.get<std::vector<std::string>>("enum");
  // Bodies are checked against the enum as text, so an enum on another
  // type could never be satisfied (and used to fail every create with a 500).
  if (!field.allowed.empty() && field.type != FieldType::Text) {
    errors.push_back(fat + "/enum: only text fields take an enum; this field is " + fieldTypeName(field.type));
    return std::nullopt;
  }
  if (!field.defaultValue.is_null() && !valueFromBody(field.type, field.defaultValue).isOk()) {
    errors.push_back(fat + "/default: does not match type " + fieldTypeName(field.type));
  } else if (!field.defaultValue.is_null() && !field.allowed.empty() &&
             std::find(field.allowed.begin(), field.allowed.end(), field.defaultValue.get<std::string>()) ==
                 field.allowed.end()) {
    errors.push_back(fat + "/default: must be one of the field's enum values");
  }
  return field;
}

void readFields(const OptionsNode& spec, Collection& c, std::vector<std::string>& errors) {
  c.fields.push_back(builtin("id", FieldType::Int64));
  c.fields.push_back(builtin("created_at", FieldType::Timestamp));
  if (c.versioned) c.fields.push_back(builtin("version", FieldType::Int64));
  const OptionsNode fields = spec.child("fields");
  for (const auto& [fieldName, unused] : fields.json().items()) {
    const OptionsNode f = fields.child(fieldName);
    if (!validIdentifier(fieldName)) {
      errors.push_back(f.pointer() + ": field names must match [a-z_][a-z0-9_]*");
      continue;
    }
    if (c.field(fieldName)) {
      errors.push_back(f.pointer() + ": \"" + fieldName + "\" is built in (id, created_at, version)");
      continue;
    }
    if (auto field = fieldFrom(fieldName, f, errors)) c.fields.push_back(std::move(*field));
  }
}

void readFieldNames(const OptionsNode& spec, const char* key, Collection& c, std::set<std::string>& into,
                    std::vector<std::string>& errors) {
  const OptionsNode list = spec.child(key);
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string f = list.item(i).as<std::string>();
    if (!c.field(f)) errors.push_back(list.item(i).pointer() + ": no field \"" + f + "\"");
    else if (c.field(f)->type == FieldType::Json) errors.push_back(list.item(i).pointer() + ": json fields cannot be used here");
    else into.insert(f);
  }
}

void readCache(const OptionsNode& spec, Collection& c, std::vector<std::string>& errors) {
  const OptionsNode cache = spec.child("cache");
  c.cache.enabled = cache.get<bool>("enabled");
  c.cache.ttlMs = cache.get<int64_t>("ttl_ms");
  c.cache.controlHeader = "public, max-age=" + std::to_string(c.cache.ttlMs / 1000);
  c.cache.region = cache.find<std::string>("region").value_or(c.name);  // a region per collection unless shared
  c.cache.lists = cache.get<bool>("lists");
  const nlohmann::json& extraTags = cache.child("tags").json();
  for (size_t i = 0; i < extraTags.size(); ++i) {
    if (!extraTags[i].is_string() || extraTags[i].get<std::string>().empty()) {
      errors.push_back(cache.pointer() + "/tags/" + std::to_string(i) + ": expected a non-empty string");
      continue;
    }
    c.cache.tags.push_back(extraTags[i].get<std::string>());
  }
  std::set<std::string> fieldNames;
  for (const auto& f : c.fields) fieldNames.insert(f.name);
  const nlohmann::json& invalidates = cache.child("invalidates").json();
  for (size_t i = 0; i < invalidates.size(); ++i) {
    const std::string pointer = cache.pointer() + "/invalidates/" + std::to_string(i);
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
}

Collection collectionFrom(const std::string& name, const OptionsNode& spec, std::vector<std::string>& errors) {
  Collection c;
  c.name = name;
  c.table = spec.find<std::string>("table").value_or(name);
  if (!validIdentifier(c.table)) errors.push_back(spec.pointer() + "/table: must match [a-z_][a-z0-9_]*");
  c.repository = spec.find<std::string>("repository").value_or("");  // empty: the first repository
  c.versioned = spec.get<bool>("versioned");
  c.maxPageSize = spec.get<int>("max_page_size");
  c.defaultPageSize = std::min(spec.get<int>("default_page_size"), c.maxPageSize);
  readFields(spec, c, errors);
  readFieldNames(spec, "filterable", c, c.filterable, errors);
  readFieldNames(spec, "sortable", c, c.sortable, errors);
  c.sortable.insert("id");
  for (const auto& op : spec.get<std::vector<std::string>>("operations")) c.operations.insert(op);
  if (c.allows("update") && !c.versioned) {
    errors.push_back(spec.pointer() + "/versioned: collections that allow update must be versioned");
  }
  for (const auto& index : spec.child("indexes").json()) c.indexes.push_back(index);
  readCache(spec, c, errors);
  return c;
}

}  // namespace

std::map<std::string, Collection> collectionsFrom(const nlohmann::json& collections, std::vector<std::string>& errors) {
  std::map<std::string, Collection> out;
  const config::FilledSection filled(collections, "/data/collections");
  const OptionsNode all = filled.node();
  for (const auto& [name, unused] : filled.json().items()) {
    if (!validIdentifier(name)) {
      errors.push_back("/data/collections/" + name + ": collection names must match [a-z_][a-z0-9_]*");
      continue;
    }
    try {
      out.emplace(name, collectionFrom(name, all.child(name), errors));
    } catch (const config::OptionError& e) {
      errors.push_back(e.what());
    }
  }
  return out;
}

}  // namespace wno::host::data
