/* wno plugin ABI — job store components (kind WNO_KIND_JOB_STORE).
 *
 * A store keeps job records durably and makes claiming atomic: one job is
 * held by at most one worker at a time, through a lease that lapses unless
 * renewed. The host decides policy (backoff, timeouts, load-aware pausing);
 * the store records state transitions.
 * THREADS: every hook except on_create/on_destroy may run concurrently from
 *   any thread, and several hosts may share one store's backing database:
 *   each transition must be atomic in the database, not just in-process.
 * OWNERSHIP: inputs borrowed for the call; records go out through sinks.
 *
 * JOB RECORD (the JSON object written to sinks and given to on_enqueue):
 *   {"id","type","queue","priority" (0 critical, 1 high, 2 normal, 3 low),
 *    "data" (any JSON),"state" ("waiting"|"active"|"completed"|"failed"|
 *    "cancelled"),"attempts_made","max_attempts","backoff":{"type":"fixed"|
 *    "exponential","delay_ms","jitter"},"timeout_ms","run_at_ms",
 *    "created_at_ms","started_at_ms"|null,"finished_at_ms"|null,
 *    "lease_owner"|null,"lease_expires_at_ms"|null,"last_error"|null,
 *    "result"|null,"cancel_requested" (bool)}
 *   Times are Unix ms. Claim order: lowest priority number first, then
 *   run_at_ms, then enqueue order; only jobs with run_at_ms <= now.
 */
#ifndef WNO_JOB_STORE_H
#define WNO_JOB_STORE_H

#include "common.h"
#include "host.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wno_type_job_store {
  uint32_t struct_size;

  /* ---- 1.0 ---- */
  wno_status (*on_create)(const wno_host_api* api, wno_host_ctx* ctx, wno_str config_json,
                          void** out_self);
  void (*on_destroy)(void* self);
  /* Stores job_json (a full JOB RECORD, state "waiting") unless a job with
   * its id exists. Either way writes the stored record to job_out and sets
   * *out_created to 1 (new) or 0 (existing). */
  wno_status (*on_enqueue)(void* self, wno_str job_json, const wno_sink* job_out,
                           int32_t* out_created);
  /* Atomically claims up to max_jobs runnable jobs of queue for worker:
   * state active, attempts_made + 1, lease until now_ms + lease_ms. Writes
   * each claimed record to job_out. Zero claimed is WNO_OK. A store that
   * writes the lease more than lease_ms / 10 after now_ms (it waited) may
   * count it, and started_at_ms, from then (docs/job-stores.md). */
  wno_status (*on_claim)(void* self, wno_str queue, wno_str worker, uint32_t max_jobs,
                         int64_t now_ms, int64_t lease_ms, const wno_sink* job_out);
  /* Extends worker's lease. WNO_ERR_PRECONDITION if the worker no longer
   * holds it; WNO_ERR_CANCELLED if a cancel was requested (lease still extended). */
  wno_status (*on_heartbeat)(void* self, wno_str job_id, wno_str worker, int64_t now_ms,
                             int64_t lease_ms);
  /* active -> completed, if worker holds the lease (else WNO_ERR_PRECONDITION). */
  wno_status (*on_complete)(void* self, wno_str job_id, wno_str worker, int64_t now_ms,
                            wno_str result_json);
  /* Records error; retry_at_ms >= 0: back to waiting to run at that time;
   * retry_at_ms < 0: failed (dead letter). Requires worker's lease. */
  wno_status (*on_fail)(void* self, wno_str job_id, wno_str worker, int64_t now_ms,
                        wno_str error, int64_t retry_at_ms);
  /* waiting -> cancelled at once; active -> cancel_requested (the worker
   * stops, then reports). WNO_ERR_PRECONDITION if already finished. */
  wno_status (*on_cancel)(void* self, wno_str job_id, int64_t now_ms);
  /* failed or cancelled -> waiting now, attempts_made reset to 0. */
  wno_status (*on_retry)(void* self, wno_str job_id, int64_t now_ms);
  /* WNO_OK with the record written to job_out, or WNO_NOT_FOUND. */
  wno_status (*on_get)(void* self, wno_str job_id, const wno_sink* job_out);
  /* filter_json: {"state","queue","type","limit","after_id"} (all optional);
   * records newest first, one per write. */
  wno_status (*on_list)(void* self, wno_str filter_json, const wno_sink* job_out);
  /* Active jobs whose lease lapsed before now_ms go back to waiting (or to
   * failed with last_error "lease expired" when attempts are used up). */
  wno_status (*on_recover_stalled)(void* self, int64_t now_ms, uint64_t* out_recovered);
  /* Writes {"queues":{"<queue>":{"waiting","delayed","active","completed",
   * "failed","cancelled"}}}; delayed = waiting with run_at_ms > now_ms. */
  wno_status (*on_stats)(void* self, int64_t now_ms, const wno_sink* out);
  /* Deletes completed/cancelled/failed jobs finished before before_ms. */
  wno_status (*on_purge)(void* self, int64_t before_ms, uint64_t* out_purged);
  /* OPTIONAL (NULL: the host polls). Blocks up to timeout_ms until queue may
   * have runnable work (e.g. LISTEN/NOTIFY); spurious wake-ups are fine. */
  wno_status (*on_wait)(void* self, wno_str queue, int64_t timeout_ms);

  /* ---- 1.1: batches (both OPTIONAL; NULL: the host calls the 1.0 hooks
   * once per job, and a shutdown hand-back then counts as an attempt) ---- */

  /* since 1.1. jobs_json: a JSON array of `count` JOB RECORDS, each as
   * on_enqueue takes it. Stores, in ONE transaction and in array order (the
   * enqueue order of the claim rule), every job whose id is not stored yet;
   * on failure nothing is stored. Writes one record per input, in input
   * order (the stored job: the new one, or the existing one with that id)
   * and sets out_created[i] to 1 (new) or 0 (existing, including a repeat of
   * an id earlier in the same array). A record that on_enqueue would refuse
   * fails the whole call with WNO_ERR_INVALID naming it ("jobs[3]: ..."). */
  wno_status (*on_enqueue_many)(void* self, wno_str jobs_json, size_t count, const wno_sink* job_out,
                                int32_t* out_created);
  /* since 1.1. Ends several attempts held by worker in ONE transaction.
   * items_json: a JSON array of `count` objects, each one of
   *   {"id","outcome":"complete","now_ms","result":<JSON>}   as on_complete
   *   {"id","outcome":"fail","now_ms","error","retry_at_ms"}  as on_fail
   *   {"id","outcome":"release","now_ms","error"}: a hand-back (the host is
   *     stopping): waiting again, run_at_ms = now_ms, attempts_made - 1 so
   *     the interrupted attempt does not count, last_error = error; a job
   *     whose cancel was requested ends cancelled instead.
   * out_status[i] is the item's status exactly as the single hook would
   * return it (WNO_OK, WNO_NOT_FOUND, WNO_ERR_PRECONDITION, ...); for each
   * item that is not WNO_OK one {"index":i,"message":"..."} goes to
   * refusal_out. Refused items change nothing; the others are applied.
   * Returns WNO_OK when the batch was processed, or a failure (nothing
   * applied; out_status undefined). */
  wno_status (*on_finish_many)(void* self, wno_str worker, wno_str items_json, size_t count,
                               wno_status* out_status, const wno_sink* refusal_out);

  /* ---- 1.3: lease renewal in bulk (OPTIONAL; NULL: the host calls
   * on_heartbeat once per job) ---- */

  /* since 1.3. Extends worker's leases on the `count` jobs job_ids names to
   * now_ms + lease_ms, in one round trip to the backing database: a host
   * holding a thousand prefetched jobs renews them all every heartbeat
   * interval, and per-job renewals fall behind under load until leases
   * lapse and jobs run twice. out_status[i] is job_ids[i]'s status exactly
   * as on_heartbeat would return it (WNO_OK; WNO_ERR_CANCELLED, lease
   * still extended; WNO_ERR_PRECONDITION; WNO_NOT_FOUND). The renewals are
   * independent: one refused leaves the others extended. Returns WNO_OK
   * when every id was processed, or a failure (out_status undefined; some
   * leases may have been extended, which the host's next renewal repeats). */
  wno_status (*on_heartbeat_many)(void* self, wno_str worker, const wno_str* job_ids, size_t count,
                                  int64_t now_ms, int64_t lease_ms, wno_status* out_status);
} wno_type_job_store;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* WNO_JOB_STORE_H */
