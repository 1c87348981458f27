/* wno plugin ABI — the declared user statistics (optional host function).
 *
 * The host config declares, once, what a user's statistics count
 * (/data/user_stats/counts): GET /api/v1/users/{id}/stats counts it, and a
 * plugin that computes the same statistics (the shipped compute_user_stats
 * job handler) reads the same list here instead of carrying its own copy.
 * THREADS: safe from any thread, as every host function.
 * OWNERSHIP: the list goes out through the caller's sink, which copies it.
 * REQUIRES: found with wno_host_api.lookup(WNO_HOST_USER_STATS_COUNTS_V1); a
 *   host without it answers NULL: such a host declares no statistics.
 */
#ifndef WNO_USER_STATS_H
#define WNO_USER_STATS_H

#include "host.h"

#ifdef __cplusplus
extern "C" {
#endif

/* WNO_HOST_USER_STATS_COUNTS_V1: writes ONE JSON array to out,
 * [{"name","collection","field"},...]: each is a member of the stats
 * answer, holding the count of `collection` rows whose int64 `field`
 * equals the user's id (one repo_count with {"filters":[{"field","op":"eq",
 * "value":<id>}]}). The host has checked every collection and field
 * against its collections at start; an empty array when it declares none
 * they can count. WNO_ERR_UNAVAILABLE (with set_error) before the host has
 * read its data config. since 1.2 (optional) */
#define WNO_HOST_USER_STATS_COUNTS_V1 "wno_host_user_stats_counts_v1"
typedef wno_status (*wno_host_user_stats_counts_fn)(wno_host_ctx* ctx, const wno_sink* out);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* WNO_USER_STATS_H */
