/* wno plugin ABI — shared vocabulary: versions, status codes, byte views, sinks.
 *
 * THREADS: plain data and pure inline helpers; nothing here holds state.
 * OWNERSHIP: a wno_str / wno_bytes handed into a call is BORROWED for that call
 *   only; copy what you keep. Outputs never come back as pointers: they go
 *   through a host-provided sink, which copies before it returns.
 * OUT-POINTERS (out_* arguments, and the sinks a call writes its answer to),
 *   in every wno header: a plugin hook is always given non-NULL ones. A
 *   plugin calling a host service may pass NULL for any it does not want
 *   (that answer is dropped), except repo_count's out_count, its only answer.
 * COMPAT: pure C99, <stdint.h>/<stddef.h> only; every struct that may grow
 *   starts with uint32_t struct_size and is append-only within major 1.
 */
#ifndef WNO_COMMON_H
#define WNO_COMMON_H

#include <stddef.h>
#include <stdint.h>

#define WNO_ABI_VERSION_MAJOR 1
#define WNO_ABI_VERSION_MINOR 2

/* A plugin may target an older minor than the headers it compiles with by
 * defining WNO_TARGET_ABI_MINOR before including any wno header. */
#ifndef WNO_TARGET_ABI_MINOR
#define WNO_TARGET_ABI_MINOR WNO_ABI_VERSION_MINOR
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Every hook and host service returns one of these. since 1.0 */
typedef int32_t wno_status;
#define WNO_OK 0
#define WNO_NOT_FOUND 1              /* key/row/job absent; not a failure */
#define WNO_ERR_INVALID 2            /* caller's input is wrong; retrying will not help */
#define WNO_ERR_CONFLICT 3           /* version mismatch, unique violation, duplicate */
#define WNO_ERR_UNAVAILABLE 4        /* a dependency is down or overloaded; retry later */
#define WNO_ERR_TIMEOUT 5            /* gave up waiting */
#define WNO_ERR_UNSUPPORTED 6        /* the hook or option is not implemented */
#define WNO_ERR_RESOURCE_EXHAUSTED 7 /* out of memory, pool, quota */
#define WNO_ERR_CANCELLED 8          /* the caller asked to stop (client gone, job cancelled) */
#define WNO_ERR_INTERNAL 9           /* a bug or an unexpected failure */
#define WNO_ERR_PRECONDITION 10      /* state forbids it now (lease lost, job not running) */

/* Log levels for wno_host_api.log. since 1.0 */
typedef int32_t wno_log_level;
#define WNO_LOG_TRACE 0
#define WNO_LOG_DEBUG 1
#define WNO_LOG_INFO 2
#define WNO_LOG_WARN 3
#define WNO_LOG_ERROR 4

/* UTF-8 text view; NOT NUL-terminated. since 1.0 */
typedef struct wno_str {
  const char* data;
  size_t len;
} wno_str;

/* Binary view. since 1.0 */
typedef struct wno_bytes {
  const uint8_t* data;
  size_t len;
} wno_bytes;

/* One key/value pair (labels, headers). since 1.0 */
typedef struct wno_kv {
  wno_str key;
  wno_str value;
} wno_kv;

/* Output channel the host lends to a hook. Each write() delivers ONE complete
 * item (a value, a row, a JSON document); the host copies it before returning.
 * A non-OK return (e.g. WNO_ERR_CANCELLED when the client went away) means
 * "stop producing": the hook should return that status promptly.
 * Valid only for the duration of the hook it was passed to. Fixed layout:
 * never grows (new needs get new types). since 1.0 */
typedef struct wno_sink {
  void* ctx;
  wno_status (*write)(void* ctx, const char* data, size_t len);
} wno_sink;

/* Opaque host handle identifying the caller (a plugin or a component
 * instance): attributes logs, scopes metrics, receives set_error. since 1.0 */
typedef struct wno_host_ctx wno_host_ctx;

/* Opaque metric series handle, valid until the plugin is unloaded. since 1.0 */
typedef struct wno_metric wno_metric;

/* Builds a view of a NUL-terminated string (NULL gives an empty view). */
static inline wno_str wno_str_of(const char* s) {
  wno_str r;
  size_t n = 0;
  if (s) {
    while (s[n]) ++n;
  }
  r.data = s;
  r.len = n;
  return r;
}

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* WNO_COMMON_H */
