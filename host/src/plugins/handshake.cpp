#include "plugins/handshake.h"

#include <cstddef>
#include <cstring>
#include <regex>

namespace wno::host {
namespace {

constexpr size_t kPluginMinSize = offsetof(wno_plugin, on_unload) + sizeof(wno_plugin::on_unload);
constexpr size_t kComponentMinSize = offsetof(wno_component, vtable) + sizeof(wno_component::vtable);

bool validName(const char* name) {
  if (name == nullptr || *name == '\0') return false;
  static const std::regex pattern("^[a-z0-9_]{1,64}$");
  return std::regex_match(name, pattern);
}

// Copies the plugin's vtable into a zeroed host-sized struct. The plugin's
// struct_size bounds the copy, so fields it does not know stay NULL.
template <typename T>
T normalize(const void* vtable) {
  T copy;
  std::memset(&copy, 0, sizeof copy);
  uint32_t pluginSize = 0;
  std::memcpy(&pluginSize, vtable, sizeof pluginSize);
  std::memcpy(&copy, vtable, std::min<size_t>(pluginSize, sizeof copy));
  copy.struct_size = static_cast<uint32_t>(sizeof copy);
  return copy;
}

// Every 1.0 hook that is not marked OPTIONAL in the headers.
std::string missingHook(const AnyVtable& any) {
  std::string missing;
  auto need = [&](const void* fn, const char* name) {
    if (fn == nullptr) missing += missing.empty() ? name : std::string(", ") + name;
  };
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        need(reinterpret_cast<const void*>(v.on_create), "on_create");
        need(reinterpret_cast<const void*>(v.on_destroy), "on_destroy");
        if constexpr (std::is_same_v<T, wno_type_cache>) {
          need(reinterpret_cast<const void*>(v.on_get), "on_get");
          need(reinterpret_cast<const void*>(v.on_set), "on_set");
          need(reinterpret_cast<const void*>(v.on_delete), "on_delete");
          need(reinterpret_cast<const void*>(v.on_invalidate_tag), "on_invalidate_tag");
          need(reinterpret_cast<const void*>(v.on_clear), "on_clear");
          need(reinterpret_cast<const void*>(v.on_stats), "on_stats");
        } else if constexpr (std::is_same_v<T, wno_type_repository>) {
          need(reinterpret_cast<const void*>(v.on_define_collection), "on_define_collection");
          need(reinterpret_cast<const void*>(v.on_query), "on_query");
          need(reinterpret_cast<const void*>(v.on_get), "on_get");
          need(reinterpret_cast<const void*>(v.on_insert), "on_insert");
          need(reinterpret_cast<const void*>(v.on_insert_many), "on_insert_many");
          need(reinterpret_cast<const void*>(v.on_update), "on_update");
          need(reinterpret_cast<const void*>(v.on_delete), "on_delete");
          need(reinterpret_cast<const void*>(v.on_count), "on_count");
        } else if constexpr (std::is_same_v<T, wno_type_job_store>) {
          need(reinterpret_cast<const void*>(v.on_enqueue), "on_enqueue");
          need(reinterpret_cast<const void*>(v.on_claim), "on_claim");
          need(reinterpret_cast<const void*>(v.on_heartbeat), "on_heartbeat");
          need(reinterpret_cast<const void*>(v.on_complete), "on_complete");
          need(reinterpret_cast<const void*>(v.on_fail), "on_fail");
          need(reinterpret_cast<const void*>(v.on_cancel), "on_cancel");
          need(reinterpret_cast<const void*>(v.on_retry), "on_retry");
          need(reinterpret_cast<const void*>(v.on_get), "on_get");
          need(reinterpret_cast<const void*>(v.on_list), "on_list");
          need(reinterpret_cast<const void*>(v.on_recover_stalled), "on_recover_stalled");
          need(reinterpret_cast<const void*>(v.on_stats), "on_stats");
          need(reinterpret_cast<const void*>(v.on_purge), "on_purge");
        } else if constexpr (std::is_same_v<T, wno_type_job_handler>) {
          need(reinterpret_cast<const void*>(v.on_handle), "on_handle");
        } else if constexpr (std::is_same_v<T, wno_type_health_probe>) {
          need(reinterpret_cast<const void*>(v.on_check), "on_check");
        }
      },
      any);
  return missing;
}

std::optional<AnyVtable> normalizeVtable(wno_kind kind, const void* vtable) {
  switch (kind) {
    case WNO_KIND_CACHE: return normalize<wno_type_cache>(vtable);
    case WNO_KIND_REPOSITORY: return normalize<wno_type_repository>(vtable);
    case WNO_KIND_JOB_STORE: return normalize<wno_type_job_store>(vtable);
    case WNO_KIND_JOB_HANDLER: return normalize<wno_type_job_handler>(vtable);
    case WNO_KIND_HEALTH_PROBE: return normalize<wno_type_health_probe>(vtable);
    default: return std::nullopt;
  }
}

std::string versionText(uint32_t major, uint32_t minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

Status refuse(Refusal& out, std::string reason, std::string fix) {
  out.reason = std::move(reason);
  out.fix = std::move(fix);
  return Status(WNO_ERR_INVALID, out.reason);
}

}  // namespace

const char* kindName(wno_kind kind) {
  switch (kind) {
    case WNO_KIND_CACHE: return "cache";
    case WNO_KIND_REPOSITORY: return "repository";
    case WNO_KIND_JOB_STORE: return "job_store";
    case WNO_KIND_JOB_HANDLER: return "job_handler";
    case WNO_KIND_HEALTH_PROBE: return "health_probe";
    default: return "unknown";
  }
}

std::optional<wno_kind> parseKind(std::string_view name) {
  for (wno_kind k : {WNO_KIND_CACHE, WNO_KIND_REPOSITORY, WNO_KIND_JOB_STORE, WNO_KIND_JOB_HANDLER,
                     WNO_KIND_HEALTH_PROBE}) {
    if (name == kindName(k)) return k;
  }
  return std::nullopt;
}

Result<AcceptedManifest> acceptManifest(const wno_plugin* manifest, uint32_t hostMajor, uint32_t hostMinor,
                                        Refusal& refusal) {
  const std::string host = versionText(hostMajor, hostMinor);
  if (manifest == nullptr) {
    return refuse(refusal, "the plugin declined this host (its entry returned NULL for ABI " + host + ")",
                  "rebuild the plugin against wno plugin-api " + std::to_string(hostMajor) + ".x");
  }
  if (manifest->struct_size < kPluginMinSize) {
    return refuse(refusal,
                  "malformed manifest: struct_size " + std::to_string(manifest->struct_size) +
                      " is smaller than the ABI 1.0 wno_plugin (" + std::to_string(kPluginMinSize) + ")",
                  "build the plugin with the wno SDK or fill wno_plugin.struct_size = sizeof(wno_plugin)");
  }
  const std::string plugin = versionText(manifest->abi_major, manifest->abi_minor);
  if (manifest->abi_major != hostMajor) {
    return refuse(refusal, "ABI major differs: the plugin is built for ABI " + plugin + ", this host speaks " + host,
                  "rebuild the plugin against wno plugin-api " + std::to_string(hostMajor) + ".x");
  }
  if (manifest->abi_minor > hostMinor) {
    return refuse(refusal, "the plugin needs a newer minor: it targets ABI " + plugin + ", this host provides " + host,
                  "upgrade wno-host to a release with ABI >= " + plugin +
                      ", or rebuild the plugin with -DWNO_TARGET_ABI_MINOR=" + std::to_string(hostMinor));
  }
  if (!validName(manifest->name)) {
    return refuse(refusal, "malformed manifest: the plugin name must match [a-z0-9_]{1,64}",
                  "set wno_plugin.name to a short lowercase identifier");
  }
  if (manifest->component_count > 0 && manifest->components == nullptr) {
    return refuse(refusal, "malformed manifest: component_count is " + std::to_string(manifest->component_count) +
                               " but components is NULL",
                  "point wno_plugin.components at a static array");
  }

  AcceptedManifest accepted;
  accepted.name = manifest->name;
  accepted.version = manifest->version ? manifest->version : "";
  accepted.description = manifest->description ? manifest->description : "";
  accepted.abiMinor = manifest->abi_minor;
  for (size_t i = 0; i < manifest->component_count; ++i) {
    const wno_component& c = manifest->components[i];
    const std::string where = "component #" + std::to_string(i);
    if (c.struct_size < kComponentMinSize) {
      return refuse(refusal, "malformed manifest: " + where + " has struct_size " + std::to_string(c.struct_size),
                    "set wno_component.struct_size = sizeof(wno_component)");
    }
    if (!validName(c.name)) {
      return refuse(refusal, "malformed manifest: " + where + " name must match [a-z0-9_]{1,64}",
                    "give every component a short lowercase name");
    }
    const std::string label = std::string(kindName(c.kind)) + " \"" + c.name + "\"";
    if (c.vtable == nullptr) {
      return refuse(refusal, "malformed manifest: " + label + " has a NULL vtable",
                    "point wno_component.vtable at the kind's static wno_type_* table");
    }
    auto vtable = normalizeVtable(c.kind, c.vtable);
    if (!vtable) {
      return refuse(refusal, "malformed manifest: " + where + " \"" + c.name + "\" has unknown kind " +
                                 std::to_string(c.kind),
                    "use one of the WNO_KIND_* values of the ABI minor the plugin targets");
    }
    if (std::string missing = missingHook(*vtable); !missing.empty()) {
      return refuse(refusal, "malformed manifest: " + label + " lacks required hooks: " + missing,
                    "implement every non-OPTIONAL hook of the kind's wno_type_* table");
    }
    ComponentType type;
    type.kind = c.kind;
    type.name = c.name;
    type.description = c.description ? c.description : "";
    type.vtable = std::move(*vtable);
    accepted.components.push_back(std::move(type));
  }
  return accepted;
}

}  // namespace wno::host
