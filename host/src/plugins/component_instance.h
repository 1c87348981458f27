// One live component (a configured instance of a ComponentType). Owns the
// plugin's object: created through on_create, destroyed through on_destroy
// after the last call; keeps the plugin's library loaded meanwhile. Every hook
// call goes through call(), which turns set_error messages and escaped
// exceptions into a Status so a misbehaving plugin never takes the host down.
#pragma once

#include "core/status.h"
#include "plugins/component_type.h"
#include "plugins/host_context.h"
#include "plugins/plugin_manager.h"

#include <nlohmann/json.hpp>

#include <exception>
#include <memory>
#include <string>

namespace wno::host {

template <typename Vtable>
class ComponentInstance {
 public:
  static Result<std::unique_ptr<ComponentInstance>> create(std::shared_ptr<const ComponentType> type,
                                                           const wno_host_api* api, HostServices* services,
                                                           const std::string& instanceName,
                                                           const nlohmann::json& config) {
    std::unique_ptr<ComponentInstance> instance(new ComponentInstance(std::move(type)));
    instance->context_.owner = std::string(kindName(instance->type_->kind)) + " " + instanceName;
    instance->context_.services = services;
    instance->name_ = instanceName;
    const std::string text = config.is_null() ? "{}" : config.dump();
    void* self = nullptr;
    Status status = guard("on_create", [&] {
      return instance->vtable().on_create(api, &instance->context_, wno_str{text.data(), text.size()}, &self);
    });
    if (!status.isOk()) return status;
    instance->self_ = self;
    instance->created_ = true;
    return instance;
  }

  ~ComponentInstance() {
    if (!created_) return;
    guard("on_destroy", [&] {
      vtable().on_destroy(self_);
      return WNO_OK;
    });
  }

  ComponentInstance(const ComponentInstance&) = delete;
  ComponentInstance& operator=(const ComponentInstance&) = delete;

  const Vtable& vtable() const { return type_->template as<Vtable>(); }
  const ComponentType& type() const { return *type_; }
  const std::string& name() const { return name_; }
  wno_host_ctx* context() { return &context_; }

  // Calls hook(self, args...) and returns its status with the plugin's message.
  template <typename Hook, typename... Args>
  Status call(const char* hookName, Hook hook, Args&&... args) const {
    return guard(hookName, [&] { return hook(self_, std::forward<Args>(args)...); });
  }

  // Runs fn() (returning wno_status) with the error slot cleared before and
  // collected after; exceptions that escape a plugin become WNO_ERR_INTERNAL.
  template <typename Fn>
  static Status guard(const char* hookName, Fn&& fn) {
    clearPluginError();
    wno_status code = WNO_OK;
    try {
      code = fn();
    } catch (const std::exception& e) {
      clearPluginError();
      return Status(WNO_ERR_INTERNAL, std::string("plugin threw from ") + hookName + ": " + e.what());
    } catch (...) {
      clearPluginError();
      return Status(WNO_ERR_INTERNAL, std::string("plugin threw from ") + hookName + ": unknown exception");
    }
    if (code == WNO_OK) {
      clearPluginError();
      return Status::ok();
    }
    return Status(code, takePluginError(std::string(hookName) + " returned " + statusName(code)));
  }

 private:
  explicit ComponentInstance(std::shared_ptr<const ComponentType> type) : type_(std::move(type)) {}

  std::shared_ptr<const ComponentType> type_;
  wno_host_ctx context_;
  std::string name_;
  void* self_ = nullptr;
  bool created_ = false;
};

using CacheBackendInstance = ComponentInstance<wno_type_cache>;
using RepositoryInstance = ComponentInstance<wno_type_repository>;
using JobStoreInstance = ComponentInstance<wno_type_job_store>;
using JobHandlerInstance = ComponentInstance<wno_type_job_handler>;
using HealthProbeInstance = ComponentInstance<wno_type_health_probe>;

}  // namespace wno::host
