#include "config/value_sources.h"

#include "config/json_pointer.h"

#include <algorithm>
#include <vector>

namespace wno::config {
namespace {

bool isLeaf(const nlohmann::json& v) { return !(v.is_structured() && !v.empty()); }

void record(const nlohmann::json* before, const nlohmann::json& after, const std::string& pointer,
            const std::string& source, ValueSources& sources) {
  if (isLeaf(after)) {
    if (!before || *before != after) sources[pointer] = source;
    return;
  }
  if (after.is_object()) {
    for (const auto& [key, value] : after.items()) {
      const nlohmann::json* previous = nullptr;
      if (before && before->is_object()) {
        if (auto it = before->find(key); it != before->end()) previous = &*it;
      }
      record(previous, value, pointer + "/" + pointerToken(key), source, sources);
    }
    return;
  }
  for (size_t i = 0; i < after.size(); ++i) {
    const nlohmann::json* previous = before && before->is_array() && i < before->size() ? &(*before)[i] : nullptr;
    record(previous, after[i], pointer + "/" + std::to_string(i), source, sources);
  }
}

void collect(const nlohmann::json& value, const std::string& pointer,
             std::vector<std::pair<std::string, std::string>>& lines) {
  if (isLeaf(value)) {
    std::string text = value.dump();
    if (text.size() > 60) text = text.substr(0, 57) + "...";
    lines.emplace_back(pointer.empty() ? "/" : pointer, text);
    return;
  }
  if (value.is_object()) {
    for (const auto& [key, child] : value.items()) collect(child, pointer + "/" + pointerToken(key), lines);
    return;
  }
  for (size_t i = 0; i < value.size(); ++i) collect(value[i], pointer + "/" + std::to_string(i), lines);
}

}  // namespace

void recordChangedLeaves(const nlohmann::json& before, const nlohmann::json& after, const std::string& source,
                         ValueSources& sources) {
  record(&before, after, "", source, sources);
}

std::string formatSources(const nlohmann::json& document, const ValueSources& sources) {
  std::vector<std::pair<std::string, std::string>> lines;
  collect(document, "", lines);
  size_t width = 0;
  for (const auto& [pointer, value] : lines) width = std::max(width, pointer.size() + 3 + value.size());
  width = std::min<size_t>(width, 90);  // one long value must not push every source off screen
  std::string out;
  for (const auto& [pointer, value] : lines) {
    std::string line = pointer + " = " + value;
    if (line.size() < width) line.append(width - line.size(), ' ');
    auto it = sources.find(pointer);
    out += line + "  <- " + (it == sources.end() ? "schema default" : it->second) + "\n";
  }
  return out;
}

}  // namespace wno::config
