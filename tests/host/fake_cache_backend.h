// An in-test cache backend behind the real C vtable, with fault injection
// (fail every call) and a backplane hook, for testing the host's cache
// service without Redis. The shipped backends have their own tests.
#pragma once

#include "plugins/component_instance.h"
#include "services/call_deadline.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

namespace wno::test {

struct FakeCacheState {
  std::mutex mutex;
  struct Entry {
    std::string value;
    int64_t expiresAtMs;
    std::set<std::string> tags;
    std::string region;
  };
  std::map<std::string, Entry> entries;
  std::atomic<bool> failing{false};
  std::atomic<bool> timingOut{false};  // get/set answer WNO_ERR_TIMEOUT at once (a deadline the backend gave up on)
  std::atomic<int> calls{0};
  std::atomic<int> delayMs{0};            // every get/set sleeps this long, ignoring any deadline
  std::atomic<int64_t> deadlineSeenNs{-1};  // the host call deadline the last get/set ran under
  wno_cache_listener listener{};
  bool hasListener = false;
  bool supportsListener = false;

  void emit(wno_cache_event event, const std::string& subject) {
    std::lock_guard lock(mutex);
    if (hasListener) listener.on_event(listener.ctx, event, wno_str{subject.data(), subject.size()});
  }
};

inline FakeCacheState* stateOf(void* self) { return static_cast<FakeCacheState*>(self); }

inline wno_type_cache fakeCacheVtable(bool withListener) {
  wno_type_cache vt{};
  vt.struct_size = sizeof vt;
  // config_json is the decimal address of the FakeCacheState the test owns.
  vt.on_create = [](const wno_host_api*, wno_host_ctx*, wno_str config, void** out) -> wno_status {
    std::string address(config.data, config.len);
    address.erase(std::remove(address.begin(), address.end(), '"'), address.end());  // it arrives as a JSON string
    *out = reinterpret_cast<void*>(std::stoull(address));
    return WNO_OK;
  };
  vt.on_destroy = [](void*) {};
  vt.on_get = [](void* self, wno_str key, const wno_cache_entry_sink* out) -> wno_status {
    auto* s = stateOf(self);
    s->calls++;
    s->deadlineSeenNs = host::CallDeadline::currentNs();
    if (s->delayMs > 0) std::this_thread::sleep_for(std::chrono::milliseconds(s->delayMs.load()));
    if (s->failing) return WNO_ERR_UNAVAILABLE;
    if (s->timingOut) return WNO_ERR_TIMEOUT;
    std::lock_guard lock(s->mutex);
    auto it = s->entries.find(std::string(key.data, key.len));
    if (it == s->entries.end()) return WNO_NOT_FOUND;
    wno_cache_entry e{};
    e.struct_size = sizeof e;
    e.value = wno_bytes{reinterpret_cast<const uint8_t*>(it->second.value.data()), it->second.value.size()};
    e.expires_at_ms = it->second.expiresAtMs;
    return out->put(out->ctx, &e);
  };
  vt.on_set = [](void* self, wno_str key, const wno_cache_entry* entry) -> wno_status {
    auto* s = stateOf(self);
    s->calls++;
    s->deadlineSeenNs = host::CallDeadline::currentNs();
    if (s->delayMs > 0) std::this_thread::sleep_for(std::chrono::milliseconds(s->delayMs.load()));
    if (s->failing) return WNO_ERR_UNAVAILABLE;
    if (s->timingOut) return WNO_ERR_TIMEOUT;
    std::lock_guard lock(s->mutex);
    FakeCacheState::Entry e{std::string(reinterpret_cast<const char*>(entry->value.data), entry->value.len),
                            entry->expires_at_ms, {}, std::string(entry->region.data, entry->region.len)};
    for (size_t i = 0; i < entry->tag_count; ++i) e.tags.emplace(entry->tags[i].data, entry->tags[i].len);
    s->entries[std::string(key.data, key.len)] = std::move(e);
    return WNO_OK;
  };
  vt.on_delete = [](void* self, wno_str key) -> wno_status {
    auto* s = stateOf(self);
    if (s->failing) return WNO_ERR_UNAVAILABLE;
    std::lock_guard lock(s->mutex);
    return s->entries.erase(std::string(key.data, key.len)) ? WNO_OK : WNO_NOT_FOUND;
  };
  vt.on_invalidate_tag = [](void* self, wno_str tag, uint64_t* removed) -> wno_status {
    auto* s = stateOf(self);
    s->deadlineSeenNs = host::CallDeadline::currentNs();
    if (s->failing) return WNO_ERR_UNAVAILABLE;
    std::lock_guard lock(s->mutex);
    *removed = 0;
    for (auto it = s->entries.begin(); it != s->entries.end();) {
      if (it->second.tags.count(std::string(tag.data, tag.len))) {
        it = s->entries.erase(it);
        ++*removed;
      } else {
        ++it;
      }
    }
    return WNO_OK;
  };
  vt.on_clear = [](void* self, wno_str region) -> wno_status {
    auto* s = stateOf(self);
    std::lock_guard lock(s->mutex);
    for (auto it = s->entries.begin(); it != s->entries.end();) {
      if (region.len == 0 || it->second.region == std::string(region.data, region.len)) it = s->entries.erase(it);
      else ++it;
    }
    return WNO_OK;
  };
  vt.on_stats = [](void* self, const wno_sink* out) -> wno_status {
    auto* s = stateOf(self);
    std::lock_guard lock(s->mutex);
    const std::string json = "{\"entries\":" + std::to_string(s->entries.size()) + "}";
    return out->write(out->ctx, json.data(), json.size());
  };
  if (withListener) {
    vt.on_set_listener = [](void* self, const wno_cache_listener* listener) -> wno_status {
      auto* s = stateOf(self);
      std::lock_guard lock(s->mutex);
      s->hasListener = listener != nullptr;
      if (listener) s->listener = *listener;
      return WNO_OK;
    };
  }
  return vt;
}

inline std::unique_ptr<host::CacheBackendInstance> makeFakeBackend(FakeCacheState& state, host::HostServices& services,
                                                                   bool withListener = false) {
  auto type = std::make_shared<host::ComponentType>();
  type->kind = WNO_KIND_CACHE;
  type->name = withListener ? "fake_shared" : "fake";
  type->vtable = fakeCacheVtable(withListener);
  auto instance = host::CacheBackendInstance::create(type, nullptr, &services, type->name,
                                                     std::to_string(reinterpret_cast<uintptr_t>(&state)));
  return std::move(instance).value();
}

}  // namespace wno::test
