/* wno plugin ABI — repository components (kind WNO_KIND_REPOSITORY).
 *
 * A repository stores the rows of the collections config binds to it. The
 * host validates requests, builds cursors and caches; the repository turns a
 * structured QUERY into parameterized statements. Identifiers come only from
 * the COLLECTION definitions; values are always bound, never spliced.
 * THREADS: every hook except on_create/on_destroy may run concurrently from
 *   any thread. on_define_collection runs before any other call for that
 *   collection.
 * OWNERSHIP: inputs borrowed for the call; rows go out through sinks, one
 *   JSON object per write.
 * REQUIRES: hooks past on_count are optional and introduced in 1.2; a
 *   plugin targeting an older minor ends its table before them.
 *
 * COLLECTION: {"name","table","versioned":bool,"fields":[{"name","type"
 *   ("int64"|"text"|"bool"|"double"|"timestamp"|"json"),"nullable":bool,
 *   "unique":bool,"default":<json>}],"indexes":[{"fields":[...],"unique":bool}]}
 *   Every table also has "id" int64 primary key, "created_at" timestamp and,
 *   when versioned, "version" int64.
 * QUERY: {"filters":[{"field","op","value"}],"sort":[{"field","desc":bool}],
 *   "after":[<one value per sort key>],"limit":N,"fields":["id",...]}
 *   op: eq ne gt gte lt lte like (value scalar), in nin (value array),
 *   is_null is_not_null (no value). The filters all hold (AND).
 *   since 1.2: a filter may instead be a group, {"or":[<filter>,...]} or
 *   {"and":[<filter>,...]}, nested; and any filter or group may carry
 *   "not":true (SQL NOT of it). The host sends groups and "not" only to a
 *   repository whose plugin targets 1.2 or later. The last sort key is always "id";
 *   "after" (optional) asks for rows strictly after that keyset position.
 *   "fields" empty or absent: every field.
 * ROW: a JSON object; timestamps as RFC 3339 UTC strings, json fields as
 *   JSON values, int64 as numbers.
 *   The host checks each row with a validating scan and splices its bytes
 *   into responses as they are (no re-serialization): write compact JSON.
 */
#ifndef WNO_REPOSITORY_H
#define WNO_REPOSITORY_H

#include "common.h"
#include "host.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wno_type_repository {
  uint32_t struct_size;

  /* ---- 1.0 ---- */
  wno_status (*on_create)(const wno_host_api* api, wno_host_ctx* ctx, wno_str config_json,
                          void** out_self);
  void (*on_destroy)(void* self);
  /* Registers a COLLECTION and creates its table and indexes if missing
   * (idempotent). Called at start for each collection bound here. */
  wno_status (*on_define_collection)(void* self, wno_str collection_json);
  /* Runs QUERY against collection, writing each row to row_out in order. */
  wno_status (*on_query)(void* self, wno_str collection, wno_str query_json,
                         const wno_sink* row_out);
  /* WNO_OK with the row (restricted to fields_json, a JSON array, empty =
   * all) written to row_out, or WNO_NOT_FOUND. */
  wno_status (*on_get)(void* self, wno_str collection, int64_t id, wno_str fields_json,
                       const wno_sink* row_out);
  /* Inserts one ROW (without id); writes the stored row. WNO_ERR_CONFLICT
   * on a unique violation. */
  wno_status (*on_insert)(void* self, wno_str collection, wno_str row_json,
                          const wno_sink* row_out);
  /* Inserts a JSON array of ROWs in one transaction, all or nothing; writes
   * one JSON array of the new ids, in input order. */
  wno_status (*on_insert_many)(void* self, wno_str collection, wno_str rows_json,
                               const wno_sink* ids_out);
  /* Applies patch_json (a JSON object of fields). For versioned collections,
   * expected_version >= 0 must equal the stored version (else
   * WNO_ERR_PRECONDITION) and the version is bumped. WNO_NOT_FOUND for no
   * such row, WNO_ERR_CONFLICT on a unique violation. Writes the updated row. */
  wno_status (*on_update)(void* self, wno_str collection, int64_t id, int64_t expected_version,
                          wno_str patch_json, const wno_sink* row_out);
  /* WNO_OK, or WNO_NOT_FOUND. */
  wno_status (*on_delete)(void* self, wno_str collection, int64_t id);
  /* Counts rows matching QUERY's filters (other keys ignored). */
  wno_status (*on_count)(void* self, wno_str collection, wno_str query_json, int64_t* out_count);

  /* ---- 1.2: writes by filter (OPTIONAL: NULL, or a table that ends
   * before them, and the host refuses such writes for this repository) ----
   * Both select their rows as on_query would: QUERY's "filters" (at least
   * one; WNO_ERR_INVALID without), in its "sort" order, the first "limit"
   * (required, >= 1; WNO_ERR_INVALID without) of them; "after" and "fields"
   * are ignored. Selecting and writing is ONE transaction: a row changed
   * by another writer meanwhile is either left alone or written in its
   * latest state, never half. Each affected row is written to row_out
   * (every field, as it now is or as it was deleted) after the commit, in
   * no particular order; none matching is WNO_OK with nothing written. */

  /* Applies patch_json (a JSON object of fields, as on_update) to each
   * selected row; for versioned collections each row's version goes up by
   * one. WNO_ERR_CONFLICT on a unique violation, and nothing is changed.
   * since 1.2 */
  wno_status (*on_update_where)(void* self, wno_str collection, wno_str query_json, wno_str patch_json,
                                const wno_sink* row_out);
  /* Deletes each selected row. since 1.2 */
  wno_status (*on_delete_where)(void* self, wno_str collection, wno_str query_json, const wno_sink* row_out);
} wno_type_repository;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* WNO_REPOSITORY_H */
