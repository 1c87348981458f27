// Create-or-refuse: makes a component instance from its config entry, or
// says exactly why not. Start-up and --validate-config both create through
// here, so the two always agree and word a refusal the same way:
//   "<pointer>/<typeKey>: not loaded"
//   "<pointer>/config: <kind> "<type>" refused its config: <plugin's message>"
#pragma once

#include "plugins/component_config.h"
#include "plugins/component_instance.h"
#include "plugins/plugin_manager.h"
#include "services/host_api.h"

#include <memory>
#include <type_traits>

namespace wno::host {

template <typename Vtable>
constexpr wno_kind componentKind() {
  if constexpr (std::is_same_v<Vtable, wno_type_cache>) return WNO_KIND_CACHE;
  else if constexpr (std::is_same_v<Vtable, wno_type_repository>) return WNO_KIND_REPOSITORY;
  else if constexpr (std::is_same_v<Vtable, wno_type_job_store>) return WNO_KIND_JOB_STORE;
  else if constexpr (std::is_same_v<Vtable, wno_type_job_handler>) return WNO_KIND_JOB_HANDLER;
  else return WNO_KIND_HEALTH_PROBE;
}

template <typename Vtable>
Result<std::unique_ptr<ComponentInstance<Vtable>>> createComponent(const PluginManager& plugins,
                                                                    HostServices* services,
                                                                    const ComponentConfig& c) {
  constexpr wno_kind kind = componentKind<Vtable>();
  auto type = plugins.find(kind, c.type);
  if (!type) return Status(WNO_ERR_INVALID, c.pointer + "/" + c.typeKey + ": not loaded");
  auto instance = ComponentInstance<Vtable>::create(type, hostApiTable(), services, c.name, c.config);
  if (!instance.isOk()) {
    return Status(instance.status().code(), c.pointer + "/config: " + kindName(kind) + " \"" + c.type +
                                                "\" refused its config: " + instance.status().message());
  }
  return instance;
}

}  // namespace wno::host
