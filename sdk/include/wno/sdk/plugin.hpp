// wno SDK — registration. Write the component classes, then one macro:
//
//   WNO_PLUGIN("my_plugin", "1.0.0", "What it does",
//              WNO_CACHE("my_cache", MyCache),
//              WNO_HEALTH_PROBE("my_probe", MyProbe));
//
// It defines the plugin's only exported symbol (wno_plugin_entry_v1) and a
// static C vtable per component whose trampolines construct the class,
// forward every hook, and catch every exception at the boundary:
// wno::sdk::Error keeps its status, anything else is WNO_ERR_INTERNAL, and
// the message reaches the host through set_error. A plugin-level load hook:
// WNO_PLUGIN_WITH_LOAD(name, version, description, fn, components...) with
// fn(wno::sdk::Host, std::string_view configJson) throwing on failure.
#pragma once

#include "wno/sdk/components.hpp"

#include <wno/plugin.h>

#include <cstddef>
#include <memory>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace wno::sdk::detail {

// What a component instance is on the C side: the object and its host.
template <typename T>
struct Holder {
  Host host;
  std::unique_ptr<T> object;
};

template <typename T>
T& obj(void* self) {
  return *static_cast<Holder<T>*>(self)->object;
}

template <typename T>
const Host& hostOf(void* self) {
  return static_cast<Holder<T>*>(self)->host;
}

// Runs fn at the C boundary: nothing escapes, every failure has a message.
template <typename Fn>
wno_status guard(const Host& host, Fn&& fn) noexcept {
  try {
    return fn();
  } catch (const Error& e) {
    if (!e.reportedByHost()) host.setError(e.what());
    return e.status();
  } catch (const std::exception& e) {
    host.setError(e.what());
    return WNO_ERR_INTERNAL;
  } catch (...) {
    host.setError("unknown exception");
    return WNO_ERR_INTERNAL;
  }
}

template <typename T>
wno_status create(const wno_host_api* api, wno_host_ctx* ctx, wno_str config, void** out) {
  Host host(api, ctx);
  return guard(host, [&] {
    auto holder = std::make_unique<Holder<T>>();
    holder->host = host;
    holder->object = std::make_unique<T>(host, view(config));
    *out = holder.release();
    return WNO_OK;
  });
}

template <typename T>
void destroy(void* self) {
  // Destructors must not throw; if one does anyway, contain it here.
  try {
    delete static_cast<Holder<T>*>(self);
  } catch (...) {
  }
}

// Whether a cache backend offers a backplane: a member
// void setListener(const wno_cache_listener*) (nullptr stops delivery).
template <typename T, typename = void>
struct HasListener : std::false_type {};
template <typename T>
struct HasListener<T, std::void_t<decltype(std::declval<T&>().setListener(
                          static_cast<const wno_cache_listener*>(nullptr)))>> : std::true_type {};

// Names a setListener at all (not overloaded): it must then be the one above.
template <typename T, typename = void>
struct NamesSetListener : std::false_type {};
template <typename T>
struct NamesSetListener<T, std::void_t<decltype(&T::setListener)>> : std::true_type {};

// A backend that shares leases across hosts defines tryLock and unlock
// (components.hpp); the SDK fills on_try_lock/on_unlock for it (ABI 1.2).
template <typename T, typename = void>
struct HasLease : std::false_type {};
template <typename T>
struct HasLease<T, std::void_t<decltype(bool(std::declval<T&>().tryLock(std::string_view(), std::string_view(),
                                                                        int64_t{0}))),
                               decltype(bool(std::declval<T&>().unlock(std::string_view(), std::string_view())))>>
    : std::true_type {};

template <typename T>
struct CacheTrampolines {
  static_assert(!NamesSetListener<T>::value || HasListener<T>::value,
                "a cache backend's setListener must be void setListener(const wno_cache_listener*): "
                "as declared, the host would never hear of other hosts' changes");
  static wno_status get(void* self, wno_str key, const wno_cache_entry_sink* out) {
    return guard(hostOf<T>(self), [&] {
      CacheHit hit(out);
      return obj<T>(self).get(view(key), hit) ? WNO_OK : WNO_NOT_FOUND;
    });
  }
  static wno_status set(void* self, wno_str key, const wno_cache_entry* entry) {
    return guard(hostOf<T>(self), [&] {
      CacheEntryView e;
      e.value = std::string_view(reinterpret_cast<const char*>(entry->value.data), entry->value.len);
      e.expiresAtMs = entry->expires_at_ms;
      for (size_t i = 0; i < entry->tag_count; ++i) e.tags.push_back(view(entry->tags[i]));
      e.region = view(entry->region);
      obj<T>(self).set(view(key), e);
      return WNO_OK;
    });
  }
  static wno_status remove(void* self, wno_str key) {
    return guard(hostOf<T>(self), [&] { return obj<T>(self).remove(view(key)) ? WNO_OK : WNO_NOT_FOUND; });
  }
  static wno_status invalidateTag(void* self, wno_str tag, uint64_t* removed) {
    return guard(hostOf<T>(self), [&] {
      *removed = obj<T>(self).invalidateTag(view(tag));
      return WNO_OK;
    });
  }
  static wno_status clear(void* self, wno_str region) {
    return guard(hostOf<T>(self), [&] {
      obj<T>(self).clear(view(region));
      return WNO_OK;
    });
  }
  static wno_status stats(void* self, const wno_sink* out) {
    return guard(hostOf<T>(self), [&] {
      const std::string json = obj<T>(self).statsJson();
      return out->write(out->ctx, json.data(), json.size());
    });
  }
  static wno_status setListener(void* self, const wno_cache_listener* listener) {
    return guard(hostOf<T>(self), [&] {
      if constexpr (HasListener<T>::value) obj<T>(self).setListener(listener);
      return WNO_OK;
    });
  }
  static wno_status tryLock(void* self, wno_str name, wno_str token, int64_t leaseMs, int32_t* acquired) {
    return guard(hostOf<T>(self), [&] {
      if constexpr (HasLease<T>::value) *acquired = obj<T>(self).tryLock(view(name), view(token), leaseMs) ? 1 : 0;
      return WNO_OK;
    });
  }
  static wno_status unlock(void* self, wno_str name, wno_str token) {
    return guard(hostOf<T>(self), [&] {
      if constexpr (HasLease<T>::value) return obj<T>(self).unlock(view(name), view(token)) ? WNO_OK : WNO_NOT_FOUND;
      return WNO_NOT_FOUND;
    });
  }
#if WNO_TARGET_ABI_MINOR >= 2
  static constexpr uint32_t kTableSize = sizeof(wno_type_cache);
  static constexpr bool kLeases = HasLease<T>::value;
#else
  // Targeting 1.0 or 1.1: the table ends where theirs did (no leases).
  static constexpr uint32_t kTableSize = static_cast<uint32_t>(offsetof(wno_type_cache, on_try_lock));
  static constexpr bool kLeases = false;
#endif
  static constexpr wno_type_cache vtable = {kTableSize,
                                            create<T>,
                                            destroy<T>,
                                            get,
                                            set,
                                            remove,
                                            invalidateTag,
                                            clear,
                                            stats,
                                            HasListener<T>::value ? setListener : nullptr,
                                            kLeases ? tryLock : nullptr,
                                            kLeases ? unlock : nullptr};
};

template <typename T>
struct ProbeTrampolines {
  static wno_status check(void* self, int64_t timeoutMs, const wno_probe_sink* out) {
    return guard(hostOf<T>(self), [&] {
      const ProbeReport r = obj<T>(self).check(std::chrono::milliseconds(timeoutMs));
      wno_probe_report report{sizeof(wno_probe_report), r.status, r.load, str(r.message), str(r.detailsJson)};
      out->report(out->ctx, &report);
      return WNO_OK;
    });
  }
  static constexpr wno_type_health_probe vtable = {sizeof(wno_type_health_probe), create<T>, destroy<T>, check};
};

// A handler class may declare the JSON Schema of its job data as
//   static constexpr std::string_view kDataSchema = R"({...})";
template <typename T, typename = void>
struct HasDataSchema : std::false_type {};
template <typename T>
struct HasDataSchema<T, std::void_t<decltype(std::string_view(T::kDataSchema))>> : std::true_type {};

template <typename T>
constexpr wno_str dataSchemaOf() {
  if constexpr (HasDataSchema<T>::value) {
    constexpr std::string_view schema(T::kDataSchema);
    return wno_str{schema.data(), schema.size()};
  } else {
    return wno_str{nullptr, 0};
  }
}

template <typename T>
struct HandlerTrampolines {
  static wno_status handle(void* self, const wno_job* job, const wno_sink* out) {
    return guard(hostOf<T>(self), [&] {
      Job j;
      j.id = view(job->id);
      j.type = view(job->type);
      j.queue = view(job->queue);
      j.dataJson = view(job->data_json);
      j.attempt = job->attempt;
      j.maxAttempts = job->max_attempts;
      j.deadlineMs = job->deadline_ms;
      const std::string result = obj<T>(self).handle(j);
      if (!result.empty() && out && out->write) return out->write(out->ctx, result.data(), result.size());
      return WNO_OK;
    });
  }
#if WNO_TARGET_ABI_MINOR >= 2
  static constexpr wno_type_job_handler vtable = {sizeof(wno_type_job_handler), create<T>, destroy<T>, handle,
                                                  dataSchemaOf<T>()};
#else
  // Targeting 1.0 or 1.1: the table ends where theirs did (no data schema).
  static constexpr wno_type_job_handler vtable = {
      static_cast<uint32_t>(offsetof(wno_type_job_handler, data_schema_json)), create<T>, destroy<T>, handle, {}};
#endif
};

// Whether a repository offers the 1.2 writes by filter (see components.hpp).
template <typename T, typename = void>
struct HasUpdateWhere : std::false_type {};
template <typename T>
struct HasUpdateWhere<T, std::void_t<decltype(std::declval<T&>().updateWhere(
                             std::string_view(), std::string_view(), std::string_view(), std::declval<Writer&>()))>>
    : std::true_type {};
template <typename T, typename = void>
struct HasRemoveWhere : std::false_type {};
template <typename T>
struct HasRemoveWhere<T, std::void_t<decltype(std::declval<T&>().removeWhere(std::string_view(), std::string_view(),
                                                                             std::declval<Writer&>()))>>
    : std::true_type {};

template <typename T>
struct RepositoryTrampolines {
  static wno_status define(void* self, wno_str c) {
    return guard(hostOf<T>(self), [&] {
      obj<T>(self).defineCollection(view(c));
      return WNO_OK;
    });
  }
  static wno_status query(void* self, wno_str c, wno_str q, const wno_sink* out) {
    return guard(hostOf<T>(self), [&] {
      Writer w(out);
      obj<T>(self).query(view(c), view(q), w);
      return w.stopped();
    });
  }
  static wno_status get(void* self, wno_str c, int64_t id, wno_str fields, const wno_sink* out) {
    return guard(hostOf<T>(self), [&] {
      Writer w(out);
      if (!obj<T>(self).get(view(c), id, view(fields), w)) return WNO_NOT_FOUND;
      return w.stopped();
    });
  }
  static wno_status insert(void* self, wno_str c, wno_str row, const wno_sink* out) {
    return guard(hostOf<T>(self), [&] {
      Writer w(out);
      obj<T>(self).insert(view(c), view(row), w);
      return WNO_OK;
    });
  }
  static wno_status insertMany(void* self, wno_str c, wno_str rows, const wno_sink* out) {
    return guard(hostOf<T>(self), [&] {
      const std::string ids = obj<T>(self).insertMany(view(c), view(rows));
      return out && out->write ? out->write(out->ctx, ids.data(), ids.size()) : WNO_OK;
    });
  }
  static wno_status update(void* self, wno_str c, int64_t id, int64_t expected, wno_str patch, const wno_sink* out) {
    return guard(hostOf<T>(self), [&] {
      Writer w(out);
      obj<T>(self).update(view(c), id, expected, view(patch), w);
      return WNO_OK;
    });
  }
  static wno_status remove(void* self, wno_str c, int64_t id) {
    return guard(hostOf<T>(self), [&] { return obj<T>(self).remove(view(c), id) ? WNO_OK : WNO_NOT_FOUND; });
  }
  static wno_status count(void* self, wno_str c, wno_str q, int64_t* out) {
    return guard(hostOf<T>(self), [&] {
      *out = obj<T>(self).count(view(c), view(q));
      return WNO_OK;
    });
  }
  static wno_status updateWhere(void* self, wno_str c, wno_str q, wno_str patch, const wno_sink* out) {
    return guard(hostOf<T>(self), [&] {
      if constexpr (HasUpdateWhere<T>::value) {
        Writer w(out);
        obj<T>(self).updateWhere(view(c), view(q), view(patch), w);
        return w.stopped();
      } else {
        return WNO_ERR_UNSUPPORTED;
      }
    });
  }
  static wno_status removeWhere(void* self, wno_str c, wno_str q, const wno_sink* out) {
    return guard(hostOf<T>(self), [&] {
      if constexpr (HasRemoveWhere<T>::value) {
        Writer w(out);
        obj<T>(self).removeWhere(view(c), view(q), w);
        return w.stopped();
      } else {
        return WNO_ERR_UNSUPPORTED;
      }
    });
  }
#if WNO_TARGET_ABI_MINOR >= 2
  // A hook the class does not define stays NULL, so the host refuses it.
  static constexpr wno_type_repository vtable = {sizeof(wno_type_repository), create<T>, destroy<T>, define, query,
                                                 get, insert, insertMany, update, remove, count,
                                                 HasUpdateWhere<T>::value ? updateWhere : nullptr,
                                                 HasRemoveWhere<T>::value ? removeWhere : nullptr};
#else
  // Targeting 1.0 or 1.1: the table ends where theirs did (no writes by filter).
  static constexpr wno_type_repository vtable = {
      static_cast<uint32_t>(offsetof(wno_type_repository, on_update_where)), create<T>, destroy<T>, define, query, get,
      insert, insertMany, update, remove, count, nullptr, nullptr};
#endif
};

// Whether a job store offers the 1.1 batch hooks (see components.hpp).
template <typename T, typename = void>
struct HasEnqueueMany : std::false_type {};
template <typename T>
struct HasEnqueueMany<T, std::void_t<decltype(std::declval<T&>().enqueueMany(
                             std::string_view(), size_t{0}, std::declval<Writer&>(), static_cast<int32_t*>(nullptr)))>>
    : std::true_type {};
template <typename T, typename = void>
struct HasFinishMany : std::false_type {};
template <typename T>
struct HasFinishMany<T, std::void_t<decltype(std::declval<T&>().finishMany(
                            std::string_view(), std::string_view(), size_t{0}, static_cast<wno_status*>(nullptr),
                            std::declval<Writer&>()))>> : std::true_type {};

template <typename T, typename = void>
struct HasHeartbeatMany : std::false_type {};
template <typename T>
struct HasHeartbeatMany<T, std::void_t<decltype(std::declval<T&>().heartbeatMany(
                               std::string_view(), std::declval<const std::vector<std::string_view>&>(), int64_t{0},
                               int64_t{0}, static_cast<wno_status*>(nullptr)))>> : std::true_type {};

template <typename T>
struct JobStoreTrampolines {
  static wno_status enqueue(void* self, wno_str job, const wno_sink* out, int32_t* created) {
    return guard(hostOf<T>(self), [&] {
      Writer w(out);
      const bool isNew = obj<T>(self).enqueue(view(job), w);
      if (created) *created = isNew ? 1 : 0;
      return WNO_OK;
    });
  }
  static wno_status claim(void* self, wno_str q, wno_str worker, uint32_t max, int64_t now, int64_t lease,
                          const wno_sink* out) {
    return guard(hostOf<T>(self), [&] {
      Writer w(out);
      obj<T>(self).claim(view(q), view(worker), max, now, lease, w);
      return WNO_OK;
    });
  }
  static wno_status heartbeat(void* self, wno_str id, wno_str worker, int64_t now, int64_t lease) {
    return guard(hostOf<T>(self), [&] { return obj<T>(self).heartbeat(view(id), view(worker), now, lease); });
  }
  static wno_status complete(void* self, wno_str id, wno_str worker, int64_t now, wno_str result) {
    return guard(hostOf<T>(self), [&] { return obj<T>(self).complete(view(id), view(worker), now, view(result)); });
  }
  static wno_status fail(void* self, wno_str id, wno_str worker, int64_t now, wno_str error, int64_t retryAt) {
    return guard(hostOf<T>(self),
                 [&] { return obj<T>(self).fail(view(id), view(worker), now, view(error), retryAt); });
  }
  static wno_status cancel(void* self, wno_str id, int64_t now) {
    return guard(hostOf<T>(self), [&] { return obj<T>(self).cancel(view(id), now); });
  }
  static wno_status retry(void* self, wno_str id, int64_t now) {
    return guard(hostOf<T>(self), [&] { return obj<T>(self).retry(view(id), now); });
  }
  static wno_status get(void* self, wno_str id, const wno_sink* out) {
    return guard(hostOf<T>(self), [&] {
      Writer w(out);
      return obj<T>(self).get(view(id), w) ? WNO_OK : WNO_NOT_FOUND;
    });
  }
  static wno_status list(void* self, wno_str filter, const wno_sink* out) {
    return guard(hostOf<T>(self), [&] {
      Writer w(out);
      obj<T>(self).list(view(filter), w);
      return WNO_OK;
    });
  }
  static wno_status recover(void* self, int64_t now, uint64_t* out) {
    return guard(hostOf<T>(self), [&] {
      const uint64_t n = obj<T>(self).recoverStalled(now);
      if (out) *out = n;
      return WNO_OK;
    });
  }
  static wno_status stats(void* self, int64_t now, const wno_sink* out) {
    return guard(hostOf<T>(self), [&] {
      const std::string json = obj<T>(self).statsJson(now);
      return out->write(out->ctx, json.data(), json.size());
    });
  }
  static wno_status purge(void* self, int64_t before, uint64_t* out) {
    return guard(hostOf<T>(self), [&] {
      const uint64_t n = obj<T>(self).purge(before);
      if (out) *out = n;
      return WNO_OK;
    });
  }
  static wno_status wait(void* self, wno_str q, int64_t timeout) {
    return guard(hostOf<T>(self), [&] { return obj<T>(self).wait(view(q), timeout); });
  }
  static wno_status enqueueMany(void* self, wno_str jobs, size_t count, const wno_sink* out, int32_t* created) {
    return guard(hostOf<T>(self), [&] {
      if constexpr (HasEnqueueMany<T>::value) {
        Writer w(out);
        obj<T>(self).enqueueMany(view(jobs), count, w, created);
        return WNO_OK;
      } else {
        return WNO_ERR_UNSUPPORTED;
      }
    });
  }
  static wno_status finishMany(void* self, wno_str worker, wno_str items, size_t count, wno_status* statuses,
                               const wno_sink* refusals) {
    return guard(hostOf<T>(self), [&] {
      if constexpr (HasFinishMany<T>::value) {
        Writer w(refusals);
        obj<T>(self).finishMany(view(worker), view(items), count, statuses, w);
        return WNO_OK;
      } else {
        return WNO_ERR_UNSUPPORTED;
      }
    });
  }
#if WNO_TARGET_ABI_MINOR >= 3
  static wno_status heartbeatMany(void* self, wno_str worker, const wno_str* ids, size_t count, int64_t now,
                                  int64_t lease, wno_status* statuses) {
    return guard(hostOf<T>(self), [&] {
      if constexpr (HasHeartbeatMany<T>::value) {
        std::vector<std::string_view> views;
        views.reserve(count);
        for (size_t i = 0; i < count; ++i) views.push_back(view(ids[i]));
        obj<T>(self).heartbeatMany(view(worker), views, now, lease, statuses);
        return WNO_OK;
      } else {
        return WNO_ERR_UNSUPPORTED;
      }
    });
  }
  // A hook the class does not define stays NULL, so the host falls back.
  static constexpr wno_type_job_store vtable = {
      sizeof(wno_type_job_store), create<T>, destroy<T>, enqueue, claim, heartbeat, complete, fail, cancel, retry,
      get, list, recover, stats, purge, wait,
      HasEnqueueMany<T>::value ? enqueueMany : nullptr,
      HasFinishMany<T>::value ? finishMany : nullptr,
      HasHeartbeatMany<T>::value ? heartbeatMany : nullptr};
#elif WNO_TARGET_ABI_MINOR >= 1
  // Targeting 1.1 or 1.2: the table ends where theirs did (no bulk renewal).
  static constexpr wno_type_job_store vtable = {
      static_cast<uint32_t>(offsetof(wno_type_job_store, on_heartbeat_many)), create<T>, destroy<T>, enqueue, claim,
      heartbeat, complete, fail, cancel, retry, get, list, recover, stats, purge, wait,
      HasEnqueueMany<T>::value ? enqueueMany : nullptr,
      HasFinishMany<T>::value ? finishMany : nullptr, nullptr};
#else
  // Targeting 1.0: the table ends where 1.0's did, so the host sees no 1.1 hook.
  static constexpr wno_type_job_store vtable = {
      static_cast<uint32_t>(offsetof(wno_type_job_store, on_enqueue_many)), create<T>, destroy<T>, enqueue, claim,
      heartbeat, complete, fail, cancel, retry, get, list, recover, stats, purge, wait, nullptr, nullptr, nullptr};
#endif
};

template <wno_kind Kind, typename T>
constexpr const void* vtableFor() {
  if constexpr (Kind == WNO_KIND_CACHE) return &CacheTrampolines<T>::vtable;
  else if constexpr (Kind == WNO_KIND_HEALTH_PROBE) return &ProbeTrampolines<T>::vtable;
  else if constexpr (Kind == WNO_KIND_JOB_HANDLER) return &HandlerTrampolines<T>::vtable;
  else if constexpr (Kind == WNO_KIND_REPOSITORY) return &RepositoryTrampolines<T>::vtable;
  else return &JobStoreTrampolines<T>::vtable;
}

template <wno_kind Kind, typename T>
constexpr wno_component component(const char* name, const char* description) {
  return wno_component{sizeof(wno_component), Kind, name, description, vtableFor<Kind, T>()};
}

// The plugin-level load hook chosen by WNO_PLUGIN_WITH_LOAD, if any.
using LoadFn = void (*)(Host, std::string_view);
inline LoadFn& loadHook() {
  static LoadFn hook = nullptr;
  return hook;
}
inline wno_status onLoad(const wno_host_api* api, wno_host_ctx* ctx, wno_str config) {
  Host host(api, ctx);
  return guard(host, [&] {
    if (loadHook()) loadHook()(host, view(config));
    return WNO_OK;
  });
}

}  // namespace wno::sdk::detail

// One component of a plugin: WNO_CACHE(name, Type, description), and so on
// per kind. The description is what /admin/plugins and `wno plugins` show
// for the component. The older two-argument form, WNO_CACHE(name, Type),
// still works and describes the component by its class name.
#define WNO_CACHE(name, ...) WNO_SDK_COMPONENT(WNO_KIND_CACHE, name, __VA_ARGS__)
#define WNO_HEALTH_PROBE(name, ...) WNO_SDK_COMPONENT(WNO_KIND_HEALTH_PROBE, name, __VA_ARGS__)
#define WNO_JOB_HANDLER(name, ...) WNO_SDK_COMPONENT(WNO_KIND_JOB_HANDLER, name, __VA_ARGS__)
#define WNO_REPOSITORY(name, ...) WNO_SDK_COMPONENT(WNO_KIND_REPOSITORY, name, __VA_ARGS__)
#define WNO_JOB_STORE(name, ...) WNO_SDK_COMPONENT(WNO_KIND_JOB_STORE, name, __VA_ARGS__)
// (Type) or (Type, description): the third argument picks the form.
#define WNO_SDK_THIRD(a, b, c, ...) c
#define WNO_SDK_COMPONENT(kind, name, ...) \
  WNO_SDK_THIRD(__VA_ARGS__, WNO_SDK_COMPONENT_DESCRIBED, WNO_SDK_COMPONENT_NAMED, )(kind, name, __VA_ARGS__)
#define WNO_SDK_COMPONENT_NAMED(kind, name, Type) ::wno::sdk::detail::component<kind, Type>(name, #Type)
#define WNO_SDK_COMPONENT_DESCRIBED(kind, name, Type, description) \
  ::wno::sdk::detail::component<kind, Type>(name, description)

#define WNO_PLUGIN_WITH_LOAD(plugin_name, plugin_version, plugin_description, load_fn, ...)                 \
  WNO_PLUGIN_ENTRY(wno_host_major, wno_host_minor) {                                                      \
    static constexpr wno_component wno_components[] = {__VA_ARGS__};                                      \
    static constexpr wno_plugin wno_manifest = {                                                          \
        sizeof(wno_plugin), WNO_ABI_VERSION_MAJOR, WNO_TARGET_ABI_MINOR, plugin_name, plugin_version,     \
        plugin_description, wno_components, sizeof wno_components / sizeof wno_components[0],             \
        ::wno::sdk::detail::onLoad, nullptr};                                                             \
    (void)wno_host_minor;                                                                                 \
    ::wno::sdk::detail::loadHook() = load_fn;                                                             \
    return wno_host_major == WNO_ABI_VERSION_MAJOR ? &wno_manifest : nullptr;                             \
  }

#define WNO_PLUGIN(plugin_name, plugin_version, plugin_description, ...) \
  WNO_PLUGIN_WITH_LOAD(plugin_name, plugin_version, plugin_description, nullptr, __VA_ARGS__)
