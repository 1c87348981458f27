#include "plugins/plugin_manager.h"

#include "core/logger.h"

#include <exception>
#include <optional>

namespace wno::host {
namespace {

const std::string kEntrySymbol = WNO_PLUGIN_ENTRY_SYMBOL;

std::string describeException(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown exception";
  }
}

// A library built for another major exports wno_plugin_entry_v<N>; naming N
// tells the operator which SDK it needs instead of "not a plugin".
std::optional<int> otherMajorEntry(const PluginLibrary& library) {
  for (int major = 0; major <= 9; ++major) {
    if (major == WNO_ABI_VERSION_MAJOR) continue;
    const std::string name = "wno_plugin_entry_v" + std::to_string(major);
    if (library.symbol<void()>(name.c_str()) != nullptr) return major;
  }
  return std::nullopt;
}

// No wno_plugin_entry_v<host major>: a plugin for another major, or no
// plugin at all.
Refusal missingEntry(const PluginLibrary& library) {
  if (auto major = otherMajorEntry(library)) {
    return {"ABI major differs: the plugin exports wno_plugin_entry_v" + std::to_string(*major) + " (ABI " +
                std::to_string(*major) + ".x), this host speaks " + std::to_string(WNO_ABI_VERSION_MAJOR) + "." +
                std::to_string(WNO_ABI_VERSION_MINOR),
            "rebuild the plugin against wno plugin-api " + std::to_string(WNO_ABI_VERSION_MAJOR) + ".x"};
  }
  return {"not a wno plugin: it does not export " + kEntrySymbol,
          "build it with the wno SDK (WNO_PLUGIN macro) or export " + kEntrySymbol +
              " with C linkage and default visibility"};
}

// The plugin's on_load with its /plugins/load config, if it has one.
std::optional<Refusal> runOnLoad(const wno_plugin& manifest, const wno_host_api* api, LoadedPlugin& plugin,
                                 const PluginSpec& spec) {
  if (manifest.on_load == nullptr) return std::nullopt;
  const std::string config = spec.config.is_null() ? "{}" : spec.config.dump();
  wno_status status = WNO_OK;
  clearPluginError();
  try {
    status = manifest.on_load(api, plugin.context.get(), wno_str{config.data(), config.size()});
  } catch (...) {
    return Refusal{"threw from on_load: " + describeException(std::current_exception()),
                   "exceptions must not cross the C ABI; catch them in the plugin (the SDK does)"};
  }
  if (status == WNO_OK) return std::nullopt;
  const std::string message = takePluginError(std::string("status ") + statusName(status));
  return Refusal{"init failed: " + message,
                 "fix what the plugin reports; its config is at " +
                     (spec.pointer.empty() ? std::string("/plugins/load") : spec.pointer + "/config")};
}

}  // namespace

std::string pluginFileName(const std::string& name) { return "wno_" + name + ".so"; }

std::string PluginRefusal::line() const {
  return "plugin refused: " + path.string() + ": " + reason + "; fix: " + fix;
}

LoadedPlugin::~LoadedPlugin() {
  if (manifest != nullptr && manifest->on_unload != nullptr) {
    try {
      manifest->on_unload();
    } catch (...) {
      logError("plugins", "plugin threw from on_unload", {{"plugin", name}});
    }
  }
  logDebug("plugins", "plugin unloaded", {{"plugin", name}, {"path", path.string()}});
}

PluginManager::PluginManager(const wno_host_api* api, HostServices* services) : api_(api), services_(services) {}

PluginManager::~PluginManager() { unloadAll(); }

std::filesystem::path PluginManager::resolve(const PluginSpec& spec,
                                             const std::vector<std::filesystem::path>& directories,
                                             std::string& lookedIn) const {
  if (!spec.file.empty()) {
    lookedIn = spec.file;
    return std::filesystem::exists(spec.file) ? std::filesystem::path(spec.file) : std::filesystem::path();
  }
  const std::string file = pluginFileName(spec.name);
  for (const auto& dir : directories) {
    if (!lookedIn.empty()) lookedIn += ", ";
    lookedIn += dir.string();
    std::filesystem::path candidate = dir / file;
    std::error_code ec;
    if (std::filesystem::is_regular_file(candidate, ec)) return candidate;
  }
  return {};
}

Status PluginManager::load(const PluginSpec& spec, const std::vector<std::filesystem::path>& directories,
                           PluginRefusal& refusal) {
  refusal = PluginRefusal{};
  refusal.name = spec.name;
  refusal.required = spec.required;
  auto refuse = [&](std::string reason, std::string fix) {
    refusal.reason = std::move(reason);
    refusal.fix = std::move(fix);
    return Status(WNO_ERR_INVALID, refusal.line());
  };

  std::string lookedIn;
  const std::filesystem::path path = resolve(spec, directories, lookedIn);
  if (path.empty()) {
    refusal.path = spec.file.empty() ? std::filesystem::path(pluginFileName(spec.name)) : std::filesystem::path(spec.file);
    return refuse(spec.file.empty() ? "file not found in the plugin directories [" + lookedIn + "]"
                                    : "file not found",
                  "build or install the plugin, or list its folder in /plugins/directories");
  }
  refusal.path = path;

  auto library = PluginLibrary::open(path);
  if (!library.isOk()) {
    return refuse(library.status().message(),
                  "check it is a shared library for this platform and its dependencies resolve (ldd " +
                      path.string() + ")");
  }

  auto* entry = library.value()->symbol<std::remove_pointer_t<wno_plugin_entry_fn>>(kEntrySymbol.c_str());
  if (entry == nullptr) {
    const Refusal missing = missingEntry(*library.value());
    return refuse(missing.reason, missing.fix);
  }

  const wno_plugin* manifest = nullptr;
  try {
    manifest = entry(WNO_ABI_VERSION_MAJOR, WNO_ABI_VERSION_MINOR);
  } catch (...) {
    return refuse("threw from " + kEntrySymbol + ": " + describeException(std::current_exception()),
                  "exceptions must not cross the C ABI; catch them in the plugin (the SDK does)");
  }

  Refusal handshake;
  auto accepted = acceptManifest(manifest, WNO_ABI_VERSION_MAJOR, WNO_ABI_VERSION_MINOR, handshake);
  if (!accepted.isOk()) return refuse(handshake.reason, handshake.fix);
  AcceptedManifest& info = accepted.value();
  if (auto duplicate = duplicateOf(info)) return refuse(duplicate->reason, duplicate->fix);

  auto plugin = std::make_shared<LoadedPlugin>();
  plugin->library = library.value();
  plugin->name = info.name;
  plugin->version = info.version;
  plugin->description = info.description;
  plugin->path = path;
  plugin->abiMinor = info.abiMinor;
  plugin->context = std::make_unique<wno_host_ctx>();
  plugin->context->owner = "plugin " + info.name;
  plugin->context->services = services_;
  // Until on_load succeeded, on_unload must not run for the plugin.
  if (auto failed = runOnLoad(*manifest, api_, *plugin, spec)) return refuse(failed->reason, failed->fix);
  plugin->manifest = manifest;
  add(plugin, info);
  return Status::ok();
}

std::optional<Refusal> PluginManager::duplicateOf(const AcceptedManifest& info) const {
  std::lock_guard lock(mutex_);
  for (const auto& loaded : plugins_) {
    if (loaded->name == info.name) {
      return Refusal{"duplicate plugin name \"" + info.name + "\": already loaded from " + loaded->path.string(),
                     "load each plugin once in /plugins/load"};
    }
  }
  for (const auto& type : info.components) {
    auto it = registry_.find({type.kind, type.name});
    if (it != registry_.end()) {
      return Refusal{"duplicate component " + std::string(kindName(type.kind)) + " \"" + type.name +
                         "\": already provided by plugin \"" + it->second->plugin->name + "\" (" +
                         it->second->plugin->path.string() + ")",
                     "load only one of the two plugins, or rename one component"};
    }
  }
  return std::nullopt;
}

void PluginManager::add(const std::shared_ptr<LoadedPlugin>& plugin, AcceptedManifest& info) {
  std::lock_guard lock(mutex_);
  for (auto& type : info.components) {
    plugin->componentLabels.push_back(std::string(kindName(type.kind)) + ":" + type.name);
    type.plugin = plugin;
    auto key = std::make_pair(type.kind, type.name);
    registry_.emplace(std::move(key), std::make_shared<const ComponentType>(std::move(type)));
  }
  plugins_.push_back(plugin);
  logInfo("plugins", "plugin loaded",
          {{"plugin", plugin->name},
           {"version", plugin->version},
           {"abi", std::to_string(WNO_ABI_VERSION_MAJOR) + "." + std::to_string(plugin->abiMinor)},
           {"path", plugin->path.string()},
           {"components", plugin->componentLabels}});
}

Status PluginManager::loadAll(const std::vector<PluginSpec>& specs,
                              const std::vector<std::filesystem::path>& directories) {
  Status firstRequired;
  for (const auto& spec : specs) {
    PluginRefusal refusal;
    if (load(spec, directories, refusal).isOk()) continue;
    logError("plugins", refusal.line(),
             {{"plugin", refusal.name}, {"path", refusal.path.string()}, {"required", refusal.required}});
    if (refusal.required && firstRequired.isOk()) firstRequired = Status(WNO_ERR_INVALID, refusal.line());
    std::lock_guard lock(mutex_);
    refusals_.push_back(std::move(refusal));
  }
  return firstRequired;
}

std::shared_ptr<const ComponentType> PluginManager::find(wno_kind kind, const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = registry_.find({kind, name});
  return it == registry_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<const ComponentType>> PluginManager::components() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<const ComponentType>> out;
  for (const auto& [key, type] : registry_) out.push_back(type);
  return out;
}

std::vector<std::shared_ptr<LoadedPlugin>> PluginManager::plugins() const {
  std::lock_guard lock(mutex_);
  return plugins_;
}

void PluginManager::unloadAll() {
  std::lock_guard lock(mutex_);
  registry_.clear();
  while (!plugins_.empty()) plugins_.pop_back();
}

}  // namespace wno::host
