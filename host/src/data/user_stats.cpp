#include "data/user_stats.h"

#include <set>

namespace wno::host::data {

std::vector<StatCount> statCountsFrom(const nlohmann::json& counts, const std::map<std::string, Collection>& collections,
                                      std::vector<std::string>& errors) {
  std::vector<StatCount> out;
  if (!counts.is_array()) return out;  // the schema has refused anything else already
  // user_id and computed_at are the answer's own members.
  std::set<std::string> names = {"user_id", "computed_at"};
  for (size_t i = 0; i < counts.size(); ++i) {
    const nlohmann::json& entry = counts[i];
    const std::string at = "/data/user_stats/counts/" + std::to_string(i);
    StatCount count{entry.value("name", ""), entry.value("collection", ""), entry.value("field", "")};
    const bool optional = entry.value("optional", false);
    if (!names.insert(count.name).second) {
      errors.push_back(at + "/name: \"" + count.name + "\" is already a member of the stats answer");
      continue;
    }
    auto c = collections.find(count.collection);
    if (c == collections.end()) {
      if (!optional) {
        errors.push_back(at + "/collection: no collection \"" + count.collection + "\" in /data/collections");
      }
      continue;
    }
    const Field* field = c->second.field(count.field);
    if (!field) {
      if (!optional) {
        errors.push_back(at + "/field: collection \"" + count.collection + "\" has no field \"" + count.field + "\"");
      }
      continue;
    }
    if (field->type != FieldType::Int64) {
      // A user id is an int64; counting a text field "eq <id>" would count nothing.
      errors.push_back(at + "/field: \"" + count.collection + "." + count.field + "\" is " +
                       fieldTypeName(field->type) + "; a user id is int64");
      continue;
    }
    out.push_back(std::move(count));
  }
  return out;
}

std::string statCountsJson(const std::vector<StatCount>& counts) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& c : counts) list.push_back({{"name", c.name}, {"collection", c.collection}, {"field", c.field}});
  return list.dump();
}

}  // namespace wno::host::data
