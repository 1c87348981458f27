/* wno plugin ABI — timing a plugin's own operations (optional host function).
 *
 * A plugin that reads or computes through its own means (a query of its
 * own, a remote call, a cache get-or-compute) times it into the histogram
 * the host keeps for its repository calls,
 * wno_repository_query_duration_seconds{collection,op,cached}, so one
 * dashboard shows where time goes. The SDK wraps it as
 * wno::sdk::Host::executeWithTiming(operation, fn).
 * THREADS: safe from any thread, as every host function.
 * REQUIRES: found with wno_host_api.lookup(WNO_HOST_RECORD_TIMING_V1); a host
 *   without it answers NULL and the plugin carries on untimed.
 */
#ifndef WNO_TIMING_H
#define WNO_TIMING_H

#include "host.h"

#ifdef __cplusplus
extern "C" {
#endif

/* WNO_HOST_RECORD_TIMING_V1: records that `operation` took duration_ns.
 * collection: what the operation reads or writes (the "collection" label);
 *   empty: the calling plugin component's name.
 * operation: the plugin's name for it (the "op" label), e.g. "user_stats".
 * cached: nonzero when a cache answered (the "cached" label is "true").
 * Both names must be 1 to 64 characters of [A-Za-z0-9_.:-]; a call with
 * another name or a negative duration is ignored (and logged once).
 * since 1.2 (optional) */
#define WNO_HOST_RECORD_TIMING_V1 "wno_host_record_timing_v1"
typedef void (*wno_host_record_timing_fn)(wno_host_ctx* ctx, wno_str collection, wno_str operation,
                                          int64_t duration_ns, int32_t cached);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* WNO_TIMING_H */
