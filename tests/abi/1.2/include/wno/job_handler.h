/* wno plugin ABI — job handler components (kind WNO_KIND_JOB_HANDLER).
 *
 * A handler runs one job type. The host claims jobs, renews leases, applies
 * timeouts, retries and backoff; the handler only does the work.
 * THREADS: on_handle runs concurrently on the host's worker threads (up to
 *   the queue's concurrency); keep per-job state on the stack.
 * OWNERSHIP: the wno_job and its views are borrowed for the call.
 * RESULT: WNO_OK completes the job (result_out may carry one JSON value);
 *   WNO_ERR_INVALID fails it for good (bad data, no retry); any other status
 *   is a failed attempt, retried with backoff until attempts run out. Call
 *   api->set_error to record why.
 */
#ifndef WNO_JOB_HANDLER_H
#define WNO_JOB_HANDLER_H

#include "common.h"
#include "host.h"

#ifdef __cplusplus
extern "C" {
#endif

/* since 1.0 */
typedef struct wno_job {
  uint32_t struct_size;
  wno_str id;
  wno_str type;
  wno_str queue;
  wno_str data_json;    /* the job's "data" as JSON text */
  uint32_t attempt;     /* 1 for the first run */
  uint32_t max_attempts;
  int64_t deadline_ms;  /* Unix ms by which to return; 0 = no timeout */
} wno_job;

typedef struct wno_type_job_handler {
  uint32_t struct_size;

  /* ---- 1.0 ---- */
  wno_status (*on_create)(const wno_host_api* api, wno_host_ctx* ctx, wno_str config_json,
                          void** out_self);
  void (*on_destroy)(void* self);
  /* Long handlers poll api->job_should_stop(ctx, job->id) and return
   * WNO_ERR_CANCELLED when it says so. */
  wno_status (*on_handle)(void* self, const wno_job* job, const wno_sink* result_out);

  /* ---- 1.2 ---- */
  /* OPTIONAL ({NULL, 0}: none). The JSON Schema of the job "data" this
   * handler accepts, as JSON text in static storage (it must outlive the
   * plugin's components). Read once when the plugin loads: the host refuses
   * enqueues whose data does not match (400 naming the member) and describes
   * it in /openapi.json. Keywords: type, properties, required,
   * additionalProperties, enum, minimum, maximum, minLength, pattern, items,
   * minItems, description; a schema using others is ignored with a warning. */
  wno_str data_schema_json;
} wno_type_job_handler;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* WNO_JOB_HANDLER_H */
