/* wno plugin ABI — the plugin entry point and component manifest.
 *
 * A plugin is a shared library exporting exactly one C symbol,
 * WNO_PLUGIN_ENTRY_SYMBOL ("wno_plugin_entry_v1"; the 1 is the ABI major).
 * HANDSHAKE: the host calls the entry with its own major.minor; the plugin
 *   returns a static wno_plugin stating the major and the minor it targets
 *   (or NULL to refuse). The host accepts it when the majors are equal and
 *   the plugin's minor <= the host's minor, then calls on_load, then creates
 *   component instances as config asks.
 * THREADS: the entry, on_load and on_unload run on the host's loading thread,
 *   once each, never concurrently with any other hook of the plugin.
 * OWNERSHIP: the wno_plugin, its strings and component tables are static
 *   data of the plugin and must stay valid until the library is unloaded.
 * REQUIRES: the entry must not allocate, start threads or call the host; do
 *   real work in on_load, which may fail with set_error.
 */
#ifndef WNO_PLUGIN_H
#define WNO_PLUGIN_H

#include "cache.h"
#include "common.h"
#include "health_probe.h"
#include "host.h"
#include "job_handler.h"
#include "job_store.h"
#include "repository.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WNO_PLUGIN_ENTRY_SYMBOL "wno_plugin_entry_v1"

/* Component kinds; vtable points to the matching wno_type_* struct. */
typedef int32_t wno_kind;
#define WNO_KIND_CACHE 1        /* wno_type_cache */
#define WNO_KIND_REPOSITORY 2   /* wno_type_repository */
#define WNO_KIND_JOB_STORE 3    /* wno_type_job_store */
#define WNO_KIND_JOB_HANDLER 4  /* wno_type_job_handler */
#define WNO_KIND_HEALTH_PROBE 5 /* wno_type_health_probe */

/* One component type a plugin provides. since 1.0 */
typedef struct wno_component {
  uint32_t struct_size;
  wno_kind kind;
  const char* name;        /* NUL-terminated, [a-z0-9_]+; unique per kind in a host */
  const char* description; /* NUL-terminated, may be NULL */
  const void* vtable;      /* the kind's wno_type_*; its first field is struct_size */
} wno_component;

/* What the entry point returns. since 1.0 */
typedef struct wno_plugin {
  uint32_t struct_size;
  uint32_t abi_major; /* WNO_ABI_VERSION_MAJOR the plugin was built with */
  uint32_t abi_minor; /* WNO_TARGET_ABI_MINOR: the newest minor it needs */
  const char* name;    /* NUL-terminated, [a-z0-9_]+ */
  const char* version; /* the plugin's own version, e.g. "1.4.2" */
  const char* description;
  const wno_component* components;
  size_t component_count;
  /* OPTIONAL. Called once after the handshake succeeds. api and ctx stay
   * valid until on_unload returns; config_json is the plugin's "config"
   * object from the host config ("{}" when absent). */
  wno_status (*on_load)(const wno_host_api* api, wno_host_ctx* ctx, wno_str config_json);
  /* OPTIONAL. Called once after every component instance is destroyed. */
  void (*on_unload)(void);
} wno_plugin;

typedef const wno_plugin* (*wno_plugin_entry_fn)(uint32_t host_abi_major,
                                                 uint32_t host_abi_minor);

#if defined(_WIN32)
#define WNO_PLUGIN_EXPORT __declspec(dllexport)
#else
#define WNO_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
#define WNO_EXTERN_C extern "C"
#else
#define WNO_EXTERN_C
#endif

/* Declares the entry point: WNO_PLUGIN_ENTRY(host_major, host_minor) { ... } */
#define WNO_PLUGIN_ENTRY(host_major, host_minor)                                      \
  WNO_EXTERN_C WNO_PLUGIN_EXPORT const wno_plugin* wno_plugin_entry_v1(uint32_t host_major, \
                                                                       uint32_t host_minor)

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* WNO_PLUGIN_H */
