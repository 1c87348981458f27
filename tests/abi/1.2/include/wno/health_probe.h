/* wno plugin ABI — health probe components (kind WNO_KIND_HEALTH_PROBE).
 *
 * A probe checks one thing (CPU, memory, a database, a URL) and reports a
 * status, details, and optionally a load signal feeding the load factor.
 * THREADS: on_check for one instance is never called concurrently with
 *   itself, but successive calls may come from different threads. It may
 *   block up to timeout_ms; the host stops waiting after that, yet keeps the
 *   instance alive until the call returns, so a late return is safe.
 * OWNERSHIP: the report's views are borrowed for the report() call; the host
 *   copies them.
 */
#ifndef WNO_HEALTH_PROBE_H
#define WNO_HEALTH_PROBE_H

#include "common.h"
#include "host.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef int32_t wno_health;
#define WNO_HEALTH_UP 0
#define WNO_HEALTH_DEGRADED 1
#define WNO_HEALTH_DOWN 2

/* since 1.0 */
typedef struct wno_probe_report {
  uint32_t struct_size;
  wno_health status;
  double load;          /* 0..1 load signal, or < 0 when the probe has none */
  wno_str message;      /* short human summary; may be empty */
  wno_str details_json; /* a JSON object, or empty */
} wno_probe_report;

typedef struct wno_probe_sink {
  void* ctx;
  void (*report)(void* ctx, const wno_probe_report* report);
} wno_probe_sink;

typedef struct wno_type_health_probe {
  uint32_t struct_size;

  /* ---- 1.0 ---- */
  wno_status (*on_create)(const wno_host_api* api, wno_host_ctx* ctx, wno_str config_json,
                          void** out_self);
  void (*on_destroy)(void* self);
  /* Calls out->report once and returns WNO_OK. A non-OK return (with
   * set_error) is shown as status DOWN with that message. */
  wno_status (*on_check)(void* self, int64_t timeout_ms, const wno_probe_sink* out);
} wno_type_health_probe;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* WNO_HEALTH_PROBE_H */
