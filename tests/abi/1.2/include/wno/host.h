/* wno plugin ABI — the host services table (wno_host_api).
 *
 * The host hands this table to a plugin at load (wno_plugin.on_load) and to
 * every component instance at create; plugins never link against host symbols.
 * THREADS: every function is safe to call from any thread, concurrently, for
 *   as long as the ctx it is given is alive (a plugin ctx until on_unload
 *   returns, a component ctx until its on_destroy returns).
 * OWNERSHIP: inputs are borrowed for the call; outputs go through the caller's
 *   wno_sink. The table itself is owned by the host and outlives the plugin.
 * REQUIRES: read only the fields within api->struct_size; a field added after
 *   the minor your plugin targets may be absent on an older host (check
 *   WNO_HOST_HAS(api, field)). Optional extras are found with lookup().
 */
#ifndef WNO_HOST_H
#define WNO_HOST_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Metric types for wno_host_api.metric. since 1.0 */
typedef int32_t wno_metric_type;
#define WNO_METRIC_COUNTER 1   /* monotonically increasing; use metric_add */
#define WNO_METRIC_GAUGE 2     /* use metric_set or metric_add */
#define WNO_METRIC_HISTOGRAM 3 /* use metric_observe; values in seconds, host buckets */

/* Options for cache writes through the host cache service. since 1.0 */
typedef struct wno_cache_write_options {
  uint32_t struct_size;
  int64_t ttl_ms;      /* requested TTL before load scaling; <= 0: the region default */
  const wno_str* tags; /* tag_count views; may be NULL when tag_count is 0 */
  size_t tag_count;
  wno_str region;      /* empty: the default region */
} wno_cache_write_options;

/* A compute callback for cache_get_or_compute: produce the value by calling
 * out->write exactly once, then return WNO_OK; any other status is the
 * compute's failure (stale data may then be served, see the host docs).
 * Runs on the caller's thread; at most one compute per key runs at a time
 * across all callers of this host (single-flight). since 1.0 */
typedef wno_status (*wno_compute_fn)(void* compute_ctx, const wno_sink* out);

/* Generic function pointer for lookup(). */
typedef void (*wno_host_fn)(void);

typedef struct wno_host_api {
  uint32_t struct_size; /* sizeof(wno_host_api) as the host was built */
  uint32_t abi_major;   /* the host's ABI major */
  uint32_t abi_minor;   /* the host's ABI minor */

  /* ---- 1.0: basics ---- */

  /* Writes one log line attributed to ctx. */
  void (*log)(wno_host_ctx* ctx, wno_log_level level, wno_str message);
  /* Records the error message for the hook currently running on this
   * thread; the host copies it and shows it next to the non-OK status the
   * hook returns. Calling it more than once keeps the last message. */
  void (*set_error)(wno_host_ctx* ctx, wno_str message);
  /* Wall clock, milliseconds since the Unix epoch. */
  int64_t (*now_ms)(void);
  /* Monotonic clock in nanoseconds, for measuring durations. */
  int64_t (*monotonic_ns)(void);
  /* The host's current smoothed load factor, 0 (idle) .. 1 (saturated). */
  double (*load_factor)(wno_host_ctx* ctx);
  /* Optional host functions by name ("wno_host_xxx_v1"); NULL if this host
   * has none by that name. Cast the result to the documented type. */
  wno_host_fn (*lookup)(wno_str name);

  /* ---- 1.0: metrics (one registry, exported at /metrics) ---- */

  /* Returns the series (name, labels) of the given type, creating it on
   * first use; the same arguments return the same handle. name must match
   * [a-zA-Z_][a-zA-Z0-9_]*; the host does not prefix it. Returns NULL (and
   * logs why) if the name is invalid or registered with another type. */
  wno_metric* (*metric)(wno_host_ctx* ctx, wno_metric_type type, wno_str name, wno_str help,
                        const wno_kv* labels, size_t label_count);
  void (*metric_add)(wno_metric* m, double delta);   /* counter or gauge */
  void (*metric_set)(wno_metric* m, double value);   /* gauge */
  void (*metric_observe)(wno_metric* m, double value); /* histogram */

  /* ---- 1.0: cache service (all configured levels, adaptive TTL) ---- */

  /* WNO_OK with the value written to value_out once, or WNO_NOT_FOUND. */
  wno_status (*cache_get)(wno_host_ctx* ctx, wno_str key, const wno_sink* value_out);
  wno_status (*cache_set)(wno_host_ctx* ctx, wno_str key, wno_bytes value,
                          const wno_cache_write_options* options);
  wno_status (*cache_delete)(wno_host_ctx* ctx, wno_str key);
  /* out_count receives how many entries were invalidated. */
  wno_status (*cache_invalidate_tag)(wno_host_ctx* ctx, wno_str tag, uint64_t* out_count);
  /* Returns the cached value or runs compute (single-flight) and caches its
   * result with options; the value is written to value_out once. */
  wno_status (*cache_get_or_compute)(wno_host_ctx* ctx, wno_str key,
                                     const wno_cache_write_options* options,
                                     wno_compute_fn compute, void* compute_ctx,
                                     const wno_sink* value_out);

  /* ---- 1.0: repository service (collections declared in config) ---- */

  /* query_json as documented in repository.h ("QUERY"); each row is written
   * to row_out as one JSON object. */
  wno_status (*repo_query)(wno_host_ctx* ctx, wno_str collection, wno_str query_json,
                           const wno_sink* row_out);
  wno_status (*repo_get)(wno_host_ctx* ctx, wno_str collection, int64_t id,
                         const wno_sink* row_out);
  wno_status (*repo_create)(wno_host_ctx* ctx, wno_str collection, wno_str row_json,
                            const wno_sink* row_out);
  /* expected_version < 0 skips the optimistic check. WNO_ERR_PRECONDITION
   * when the stored version differs. */
  wno_status (*repo_update)(wno_host_ctx* ctx, wno_str collection, int64_t id,
                            int64_t expected_version, wno_str patch_json,
                            const wno_sink* row_out);
  wno_status (*repo_delete)(wno_host_ctx* ctx, wno_str collection, int64_t id);

  /* ---- 1.0: jobs ---- */

  /* request_json: {"type","data","priority","attempts","backoff","job_id",
   * "delay_ms","queue","timeout_ms"} as in the HTTP API. The job record is
   * written to job_out. WNO_OK for a new job; an existing job with the same
   * job_id is also WNO_OK and *out_created is 0. */
  wno_status (*job_enqueue)(wno_host_ctx* ctx, wno_str request_json, const wno_sink* job_out,
                            int32_t* out_created);
  /* For a running job handler: nonzero when the job should stop now
   * (cancelled, timed out, lease lost, host shutting down). Cheap; poll it. */
  int32_t (*job_should_stop)(wno_host_ctx* ctx, wno_str job_id);

  /* ---- 1.0: cache regions ---- */

  /* Removes every entry of region (all levels, all hosts through the
   * backplane). */
  wno_status (*cache_invalidate_region)(wno_host_ctx* ctx, wno_str region);

  /* ---- 1.1: jobs in bulk ---- */

  /* since 1.1 (check WNO_HOST_HAS; a 1.0 host lacks it: call job_enqueue
   * per request). requests_json: a JSON array of job_enqueue requests, at
   * most the host's /jobs/bulk_max. The valid ones are stored in ONE
   * transaction. Writes one JSON object per request, in order:
   * {"status":201|200,"job":<record>} (new | existing job_id) or
   * {"status":400,"parameter":"<member>","message":"..."} for a request
   * that is invalid (it alone is skipped). Returns WNO_OK when every valid
   * request was stored; WNO_ERR_INVALID when requests_json is not such an
   * array; a store failure's status when nothing was stored. */
  wno_status (*job_enqueue_many)(wno_host_ctx* ctx, wno_str requests_json, const wno_sink* result_out);

  /* ---- 1.2: repository counts and writes in bulk ----
   * since 1.2 (check WNO_HOST_HAS; an older host lacks them). Like the 1.0
   * repo_* services they skip the collection's HTTP "operations" and
   * invalidate the host's caches for what they change; the writes fire
   * the collection's row events (jobs.md), one per row. */

  /* *out_count receives how many rows match query_json's "filters" (QUERY;
   * other keys ignored); none or an empty list counts every row. since 1.2 */
  wno_status (*repo_count)(wno_host_ctx* ctx, wno_str collection, wno_str query_json, int64_t* out_count);
  /* rows_json: a JSON array of rows, each checked as POST /{c} checks a
   * body (defaults filled, read-only fields refused), at most the host's
   * /data/max_bulk_rows. Stored in ONE transaction, all or nothing. Writes
   * one JSON array of the new ids, in input order, to ids_out.
   * WNO_ERR_INVALID names the first bad row ("[i].field: ...").
   * since 1.2 */
  wno_status (*repo_create_many)(wno_host_ctx* ctx, wno_str collection, wno_str rows_json,
                                 const wno_sink* ids_out);
  /* The rows query_json selects: its "filters" (at least one), in its
   * "sort" order (default id), the first "limit" (1 to the collection's
   * max_page_size) of them; "after" and "fields" are refused. update
   * applies patch_json (checked as PATCH checks a body) and bumps each
   * row's version; delete removes them. ONE transaction. Each affected row
   * is written to row_out, ordered by id; *out_count receives how many. WNO_ERR_INVALID for a query or patch that
   * breaks these rules; WNO_ERR_UNSUPPORTED when the collection's
   * repository predates 1.2 (no on_update_where / on_delete_where).
   * since 1.2 */
  wno_status (*repo_update_where)(wno_host_ctx* ctx, wno_str collection, wno_str query_json,
                                  wno_str patch_json, const wno_sink* row_out, int64_t* out_count);
  wno_status (*repo_delete_where)(wno_host_ctx* ctx, wno_str collection, wno_str query_json,
                                  const wno_sink* row_out, int64_t* out_count);
} wno_host_api;

/* ---- Optional host functions, found with lookup(name) ----
 * A host without one returns NULL; a plugin must work without it. */

/* WNO_HOST_CALL_DEADLINE_V1: the monotonic_ns instant by which the hook
 * running on the calling thread should return, or 0 when it has none.
 * Call it from inside a hook. A backend doing I/O (a shared cache level)
 * bounds its waits by it; the host treats a hook that returns later as
 * timed out and degrades around it. since 1.0 (optional) */
#define WNO_HOST_CALL_DEADLINE_V1 "wno_host_call_deadline_v1"
typedef int64_t (*wno_host_call_deadline_fn)(void);

/* True when the host table has the given field (an older host may not). */
#define WNO_HOST_HAS(api, field)                                              \
  ((api) != NULL && (api)->struct_size >= offsetof(wno_host_api, field) + sizeof((api)->field) && \
   (api)->field != NULL)

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* WNO_HOST_H */
