// A component type a loaded plugin provides: its kind, name and a host-sized
// copy of its vtable. Copying normalizes old plugins: hooks added after the
// minor a plugin targets read as NULL instead of past the end of its table.
#pragma once

#include <wno/plugin.h>

#include <memory>
#include <optional>
#include <string_view>
#include <string>
#include <variant>

namespace wno::host {

struct LoadedPlugin;

using AnyVtable = std::variant<wno_type_cache, wno_type_repository, wno_type_job_store,
                               wno_type_job_handler, wno_type_health_probe>;

struct ComponentType {
  wno_kind kind = 0;
  std::string name;
  std::string description;
  AnyVtable vtable;
  // Keeps the plugin (and its code) loaded while this type is referenced.
  std::shared_ptr<LoadedPlugin> plugin;

  template <typename T>
  const T& as() const { return std::get<T>(vtable); }
};

const char* kindName(wno_kind kind);          // "cache", "repository", ...
std::optional<wno_kind> parseKind(std::string_view name);

}  // namespace wno::host
