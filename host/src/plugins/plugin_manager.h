// Loads the plugins config names, checks the handshake, registers their
// components by (kind, name) and refuses duplicates. A plugin that cannot be
// used is refused with one line naming the file, the reason and the fix; it
// never takes the host down. Unloads in reverse order of loading.
#pragma once

#include "core/status.h"
#include "plugins/component_type.h"
#include "plugins/handshake.h"
#include "plugins/host_context.h"
#include "plugins/plugin_library.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace wno::host {

class HostServices;

struct PluginSpec {
  std::string name;     // "memory_cache" -> wno_memory_cache.so
  std::string file;     // explicit path, or empty to search the directories
  bool required = true;
  nlohmann::json config = nlohmann::json::object();
  std::string pointer;  // where in the config this spec came from, for messages
};

// A plugin that passed the handshake and on_load. Destroyed when the last
// component type or instance referencing it goes away: on_unload runs, then
// the library is unmapped.
struct LoadedPlugin {
  ~LoadedPlugin();

  std::shared_ptr<PluginLibrary> library;
  const wno_plugin* manifest = nullptr;
  std::string name;
  std::string version;
  std::string description;
  std::filesystem::path path;
  uint32_t abiMinor = 0;
  std::unique_ptr<wno_host_ctx> context;
  std::vector<std::string> componentLabels;  // "cache:memory"
};

struct PluginRefusal {
  std::string name;
  std::filesystem::path path;  // the file, or where it was looked for
  std::string reason;
  std::string fix;
  bool required = true;

  // "plugin refused: <path>: <reason>; fix: <fix>"
  std::string line() const;
};

class PluginManager {
 public:
  PluginManager(const wno_host_api* api, HostServices* services);
  ~PluginManager();

  // Loads every spec in order. Refusals are logged and kept; the result is
  // an error only when a required plugin was refused.
  Status loadAll(const std::vector<PluginSpec>& specs, const std::vector<std::filesystem::path>& directories);

  // Loads one plugin; on refusal fills `refusal` and returns its status.
  Status load(const PluginSpec& spec, const std::vector<std::filesystem::path>& directories,
              PluginRefusal& refusal);

  std::shared_ptr<const ComponentType> find(wno_kind kind, const std::string& name) const;
  std::vector<std::shared_ptr<const ComponentType>> components() const;
  std::vector<std::shared_ptr<LoadedPlugin>> plugins() const;
  const std::vector<PluginRefusal>& refusals() const { return refusals_; }

  // Drops the registry in reverse load order; plugins whose instances are
  // still alive unload when those instances are destroyed.
  void unloadAll();

 private:
  std::filesystem::path resolve(const PluginSpec& spec, const std::vector<std::filesystem::path>& directories,
                                std::string& lookedIn) const;
  // A plugin of the same name or a component type of the same kind and name
  // already loaded: the refusal naming who has it.
  std::optional<Refusal> duplicateOf(const AcceptedManifest& info) const;
  // Registers the plugin and its component types (moved out of `info`).
  void add(const std::shared_ptr<LoadedPlugin>& plugin, AcceptedManifest& info);

  const wno_host_api* api_;
  HostServices* services_;
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<LoadedPlugin>> plugins_;
  std::map<std::pair<wno_kind, std::string>, std::shared_ptr<const ComponentType>> registry_;
  std::vector<PluginRefusal> refusals_;
};

// The file name a plugin called `name` is expected under.
std::string pluginFileName(const std::string& name);

}  // namespace wno::host
