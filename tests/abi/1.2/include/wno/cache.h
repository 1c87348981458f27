/* wno plugin ABI — cache backend components (kind WNO_KIND_CACHE).
 *
 * A backend stores opaque values under string keys with an absolute expiry,
 * tags and a region. The host composes backends into levels (L1 memory, L2
 * shared) and owns TTL policy, single-flight and fail-safe; a backend only
 * stores, finds and forgets.
 * THREADS: on_create/on_destroy run once each on a host thread; every other
 *   hook may run concurrently from any number of threads. on_destroy runs
 *   after every other call on that instance has returned.
 * OWNERSHIP: inputs are borrowed for the call; a value found is delivered
 *   through the host's sink, which copies it.
 */
#ifndef WNO_CACHE_H
#define WNO_CACHE_H

#include "common.h"
#include "host.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One cache entry, as written (on_set) or found (on_get). since 1.0 */
typedef struct wno_cache_entry {
  uint32_t struct_size;
  wno_bytes value;
  int64_t expires_at_ms; /* Unix ms after which it must not be returned; 0 = never */
  const wno_str* tags;   /* may be NULL when tag_count is 0; on_get may omit tags */
  size_t tag_count;
  wno_str region;        /* empty: default region */
} wno_cache_entry;

/* Where on_get delivers the entry it found (call put at most once). */
typedef struct wno_cache_entry_sink {
  void* ctx;
  wno_status (*put)(void* ctx, const wno_cache_entry* entry);
} wno_cache_entry_sink;

/* What a shared backend reports when ANOTHER host changed the cache. */
typedef int32_t wno_cache_event;
#define WNO_CACHE_EVENT_KEY 1   /* subject: a key that was overwritten or deleted */
#define WNO_CACHE_EVENT_TAG 2   /* subject: a tag that was invalidated */
#define WNO_CACHE_EVENT_CLEAR 3 /* subject: a region, or empty for everything */

/* Registered by the host through on_set_listener. on_event may be called from
 * a backend-owned thread; the host copies subject and returns quickly.
 * LIFETIME: the struct itself is borrowed for the on_set_listener call (copy
 * it); its ctx and on_event stay valid until the next on_set_listener call
 * on that instance (NULL or another listener) returns. That call must not
 * return while an on_event of the old listener is still running, and no
 * on_event of the old listener may start after it. The host unregisters
 * (NULL) before on_destroy. */
typedef struct wno_cache_listener {
  void* ctx;
  void (*on_event)(void* ctx, wno_cache_event event, wno_str subject);
} wno_cache_listener;

typedef struct wno_type_cache {
  uint32_t struct_size;

  /* ---- 1.0 ---- */
  /* config_json: the component's "config" object from the host config.
   * On failure call api->set_error and return non-OK; *out_self is ignored. */
  wno_status (*on_create)(const wno_host_api* api, wno_host_ctx* ctx, wno_str config_json,
                          void** out_self);
  void (*on_destroy)(void* self);
  /* WNO_OK after out->put(entry), or WNO_NOT_FOUND (absent or expired). */
  wno_status (*on_get)(void* self, wno_str key, const wno_cache_entry_sink* out);
  /* Inserts or replaces. May evict others to respect the backend's bounds. */
  wno_status (*on_set)(void* self, wno_str key, const wno_cache_entry* entry);
  /* WNO_OK if removed, WNO_NOT_FOUND if it was not there. */
  wno_status (*on_delete)(void* self, wno_str key);
  /* Removes every entry carrying tag; *out_removed receives the count. */
  wno_status (*on_invalidate_tag)(void* self, wno_str tag, uint64_t* out_removed);
  /* Removes every entry in region, or everything when region is empty. */
  wno_status (*on_clear)(void* self, wno_str region);
  /* Writes one JSON object of backend statistics (entries, bytes, hits,
   * misses, evictions, ...) to out. */
  wno_status (*on_stats)(void* self, const wno_sink* out);
  /* OPTIONAL (NULL for local-only backends): start or stop (listener NULL)
   * delivering other hosts' changes, for L1 coherence. */
  wno_status (*on_set_listener)(void* self, const wno_cache_listener* listener);

  /* ---- 1.2 ---- */
  /* OPTIONAL, both or neither (NULL: a local backend, or one that cannot
   * lock). A short lease on `name` shared by every host using this backend;
   * the host's distributed single-flight holds one per key it computes, so
   * other hosts wait for the value instead of computing it too.
   * on_try_lock: *out_acquired = 1 when this call took the
   * lease, which then holds `token` (the caller's fencing value) for
   * lease_ms unless released first; 0 when another holder has it.
   * on_unlock: releases the lease only while it still holds `token` (WNO_OK),
   * else WNO_NOT_FOUND, so a holder whose lease lapsed and was taken by
   * another host never releases the new holder's. since 1.2 */
  wno_status (*on_try_lock)(void* self, wno_str name, wno_str token, int64_t lease_ms, int32_t* out_acquired);
  wno_status (*on_unlock)(void* self, wno_str name, wno_str token);
} wno_type_cache;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* WNO_CACHE_H */
