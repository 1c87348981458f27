#include "data/tag_template.h"

#include <algorithm>

namespace wno::host::data {

std::optional<TagTemplate> TagTemplate::parse(const std::string& text, const std::set<std::string>& fields,
                                              std::string& error) {
  TagTemplate t;
  t.text_ = text;
  if (text.empty()) {
    error = "expected a non-empty tag";
    return std::nullopt;
  }
  std::string literal;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '}') {
      error = "\"}\" without \"{\" at " + std::to_string(i);
      return std::nullopt;
    }
    if (text[i] != '{') {
      literal += text[i];
      continue;
    }
    const size_t close = text.find('}', i + 1);
    if (close == std::string::npos) {
      error = "\"{\" at " + std::to_string(i) + " is not closed";
      return std::nullopt;
    }
    const std::string field = text.substr(i + 1, close - i - 1);
    if (!fields.count(field)) {
      error = "{" + field + "}: the collection has no field \"" + field + "\"";
      return std::nullopt;
    }
    t.parts_.push_back({std::move(literal), field});
    t.fields_.insert(field);
    literal.clear();
    i = close;
  }
  t.parts_.push_back({std::move(literal), {}});
  return t;
}

std::optional<std::string> TagTemplate::tagFor(const nlohmann::json& row) const {
  std::string tag;
  for (const auto& part : parts_) {
    tag += part.literal;
    if (part.field.empty()) continue;
    auto it = row.find(part.field);
    if (it == row.end() || it->is_null()) return std::nullopt;
    // The value as the tags of the routes spell it: ids as decimals,
    // strings as they are.
    tag += it->is_string() ? it->get<std::string>() : it->dump();
  }
  return tag;
}

std::vector<std::string> tagsFor(const std::vector<TagTemplate>& templates, const std::vector<nlohmann::json>& rows) {
  std::vector<std::string> tags;
  for (const auto& row : rows) {
    if (!row.is_object()) continue;
    for (const auto& t : templates) {
      auto tag = t.tagFor(row);
      if (tag && std::find(tags.begin(), tags.end(), *tag) == tags.end()) tags.push_back(std::move(*tag));
    }
  }
  return tags;
}

bool patchChangesTags(const std::vector<TagTemplate>& templates, const nlohmann::json& patch) {
  for (const auto& t : templates) {
    for (const auto& field : t.fields()) {
      if (patch.contains(field)) return true;
    }
  }
  return false;
}

}  // namespace wno::host::data
