#include "data/collection.h"

#include <algorithm>

namespace wno::host::data {

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
