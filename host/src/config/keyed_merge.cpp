#include "config/keyed_merge.h"

#include "config/json_pointer.h"
#include "config/schema_navigation.h"

#include <optional>

namespace wno::config {
namespace {

constexpr const char* kRemove = "$remove";

struct MergeContext {
  const nlohmann::json& root;
  const std::string& source;
  std::vector<ConfigError>& errors;
};

// The key fields of a keyed list's entries, in order of preference: the item
// schema's "x-merge-key" is a string or an array ("name", then "type" for probes whose name defaults to
// their type).
std::vector<std::string> mergeKeys(const nlohmann::json* schema) {
  std::vector<std::string> keys;
  if (!schema || !schema->is_object()) return keys;
  auto it = schema->find("x-merge-key");
  if (it == schema->end()) return keys;
  if (it->is_string()) keys.push_back(it->get<std::string>());
  if (it->is_array()) {
    for (const auto& k : *it) {
      if (k.is_string()) keys.push_back(k.get<std::string>());
    }
  }
  return keys;
}

std::optional<std::string> keyOf(const nlohmann::json& entry, const std::vector<std::string>& keys) {
  if (!entry.is_object()) return std::nullopt;
  for (const auto& k : keys) {
    if (auto it = entry.find(k); it != entry.end() && it->is_string()) return it->get<std::string>();
  }
  return std::nullopt;
}

void mergeValue(nlohmann::json& target, const nlohmann::json& patch, const nlohmann::json* schema,
                const std::string& pointer, MergeContext& ctx);

nlohmann::json withoutRemoveMarker(const nlohmann::json& entry) {
  nlohmann::json copy = entry;
  if (copy.is_object()) copy.erase(kRemove);
  return copy;
}

bool replacesWhole(const nlohmann::json& base, const nlohmann::json& entry, const nlohmann::json* schema) {
  if (!schema || !schema->is_object()) return false;
  auto field = schema->find("x-replace-when-changed");
  if (field == schema->end() || !field->is_string() || !base.is_object() || !entry.is_object()) return false;
  const std::string& name = field->get_ref<const std::string&>();
  auto a = base.find(name);
  auto b = entry.find(name);
  return a != base.end() && b != entry.end() && *a != *b;
}

void mergeKeyedList(nlohmann::json& target, const nlohmann::json& patch, const nlohmann::json* schema,
                    const std::vector<std::string>& keys, const std::string& pointer, MergeContext& ctx) {
  if (!target.is_array()) target = nlohmann::json::array();
  const nlohmann::json* entrySchema = itemSchema(ctx.root, schema);
  for (size_t i = 0; i < patch.size(); ++i) {
    const nlohmann::json& entry = patch[i];
    const std::string at = pointer + "/" + std::to_string(i);
    const auto key = keyOf(entry, keys);
    std::optional<size_t> found;
    if (key) {
      for (size_t j = 0; j < target.size(); ++j) {
        if (keyOf(target[j], keys) == key) {
          found = j;
          break;
        }
      }
    }
    const bool remove = entry.is_object() && entry.value(kRemove, false);
    if (remove) {
      if (found) {
        target.erase(target.begin() + static_cast<std::ptrdiff_t>(*found));
      } else {
        ctx.errors.push_back({at, ctx.source + ": \"$remove\" names no entry with " + keys.front() + " \"" +
                                      key.value_or("") + "\" in " + pointer + " of the earlier files"});
      }
      continue;
    }
    if (found) {
      mergeValue(target[*found], withoutRemoveMarker(entry), entrySchema, at, ctx);
    } else {
      nlohmann::json added;
      mergeValue(added, withoutRemoveMarker(entry), entrySchema, at, ctx);  // drops nulls, as a merge patch would
      target.push_back(std::move(added));
    }
  }
}

void mergeValue(nlohmann::json& target, const nlohmann::json& patch, const nlohmann::json* schema,
                const std::string& pointer, MergeContext& ctx) {
  if (patch.is_object()) {
    // A component entry that names another type starts over: nothing of the
    // old entry (its config above all) survives.
    if (!target.is_object() || replacesWhole(target, patch, schema)) target = nlohmann::json::object();
    for (const auto& [key, value] : patch.items()) {
      if (value.is_null()) {
        target.erase(key);
        continue;
      }
      mergeValue(target[key], value, propertySchema(ctx.root, schema, key), pointer + "/" + pointerToken(key), ctx);
    }
    return;
  }
  // An empty list says "none": there is nothing in it to merge, so it
  // clears a named list as it replaces any other (an overlay turning every
  // rate limit off writes "rate_limits": []).
  if (patch.is_array() && !patch.empty()) {
    if (auto keys = mergeKeys(itemSchema(ctx.root, schema)); !keys.empty()) {
      mergeKeyedList(target, patch, schema, keys, pointer, ctx);
      return;
    }
  }
  target = patch;
}

}  // namespace

void applyOverlay(nlohmann::json& target, const nlohmann::json& overlay, const nlohmann::json& schemaRoot,
                  const std::string& source, std::vector<ConfigError>& errors) {
  MergeContext ctx{schemaRoot, source, errors};
  mergeValue(target, overlay, &schemaRoot, "", ctx);
}

}  // namespace wno::config
