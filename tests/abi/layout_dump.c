/* Prints "struct.field offset size" for every field of the ABI minor it is
 * compiled against (WNO_ABI_VERSION_MINOR of those headers). Compiled
 * against each frozen minor (tests/abi/<major>.<minor>) and against the
 * current headers; abi_layout_check.sh requires every frozen line to be
 * unchanged in the current output (fields may only be appended). Each
 * minor's fields are written once, when it is released, and never change. */
#include <wno/plugin.h>
#include <stdio.h>

#define F(s, f) printf("%s.%s %zu %zu\n", #s, #f, offsetof(s, f), sizeof(((s*)0)->f))

int main(void) {
  F(wno_cache_entry, struct_size);
  F(wno_cache_entry, value);
  F(wno_cache_entry, expires_at_ms);
  F(wno_cache_entry, tags);
  F(wno_cache_entry, tag_count);
  F(wno_cache_entry, region);
  F(wno_cache_entry_sink, ctx);
  F(wno_cache_entry_sink, put);
  F(wno_cache_listener, ctx);
  F(wno_cache_listener, on_event);
  F(wno_type_cache, struct_size);
  F(wno_type_cache, on_create);
  F(wno_type_cache, on_destroy);
  F(wno_type_cache, on_get);
  F(wno_type_cache, on_set);
  F(wno_type_cache, on_delete);
  F(wno_type_cache, on_invalidate_tag);
  F(wno_type_cache, on_clear);
  F(wno_type_cache, on_stats);
  F(wno_type_cache, on_set_listener);
#if WNO_ABI_VERSION_MINOR >= 2
  F(wno_type_cache, on_try_lock);
  F(wno_type_cache, on_unlock);
#endif
  F(wno_str, data);
  F(wno_str, len);
  F(wno_bytes, data);
  F(wno_bytes, len);
  F(wno_kv, key);
  F(wno_kv, value);
  F(wno_sink, ctx);
  F(wno_sink, write);
  F(wno_probe_report, struct_size);
  F(wno_probe_report, status);
  F(wno_probe_report, load);
  F(wno_probe_report, message);
  F(wno_probe_report, details_json);
  F(wno_probe_sink, ctx);
  F(wno_probe_sink, report);
  F(wno_type_health_probe, struct_size);
  F(wno_type_health_probe, on_create);
  F(wno_type_health_probe, on_destroy);
  F(wno_type_health_probe, on_check);
  F(wno_cache_write_options, struct_size);
  F(wno_cache_write_options, ttl_ms);
  F(wno_cache_write_options, tags);
  F(wno_cache_write_options, tag_count);
  F(wno_cache_write_options, region);
  F(wno_host_api, struct_size);
  F(wno_host_api, abi_major);
  F(wno_host_api, abi_minor);
  F(wno_host_api, log);
  F(wno_host_api, set_error);
  F(wno_host_api, now_ms);
  F(wno_host_api, monotonic_ns);
  F(wno_host_api, load_factor);
  F(wno_host_api, lookup);
  F(wno_host_api, metric);
  F(wno_host_api, metric_add);
  F(wno_host_api, metric_set);
  F(wno_host_api, metric_observe);
  F(wno_host_api, cache_get);
  F(wno_host_api, cache_set);
  F(wno_host_api, cache_delete);
  F(wno_host_api, cache_invalidate_tag);
  F(wno_host_api, cache_get_or_compute);
  F(wno_host_api, repo_query);
  F(wno_host_api, repo_get);
  F(wno_host_api, repo_create);
  F(wno_host_api, repo_update);
  F(wno_host_api, repo_delete);
  F(wno_host_api, job_enqueue);
  F(wno_host_api, job_should_stop);
  F(wno_host_api, cache_invalidate_region);
#if WNO_ABI_VERSION_MINOR >= 1
  F(wno_host_api, job_enqueue_many);
#endif
#if WNO_ABI_VERSION_MINOR >= 2
  F(wno_host_api, repo_count);
  F(wno_host_api, repo_create_many);
  F(wno_host_api, repo_update_where);
  F(wno_host_api, repo_delete_where);
#endif
  F(wno_job, struct_size);
  F(wno_job, id);
  F(wno_job, type);
  F(wno_job, queue);
  F(wno_job, data_json);
  F(wno_job, attempt);
  F(wno_job, max_attempts);
  F(wno_job, deadline_ms);
  F(wno_type_job_handler, struct_size);
  F(wno_type_job_handler, on_create);
  F(wno_type_job_handler, on_destroy);
  F(wno_type_job_handler, on_handle);
#if WNO_ABI_VERSION_MINOR >= 2
  F(wno_type_job_handler, data_schema_json);
#endif
  F(wno_type_job_store, struct_size);
  F(wno_type_job_store, on_create);
  F(wno_type_job_store, on_destroy);
  F(wno_type_job_store, on_enqueue);
  F(wno_type_job_store, on_claim);
  F(wno_type_job_store, on_heartbeat);
  F(wno_type_job_store, on_complete);
  F(wno_type_job_store, on_fail);
  F(wno_type_job_store, on_cancel);
  F(wno_type_job_store, on_retry);
  F(wno_type_job_store, on_get);
  F(wno_type_job_store, on_list);
  F(wno_type_job_store, on_recover_stalled);
  F(wno_type_job_store, on_stats);
  F(wno_type_job_store, on_purge);
  F(wno_type_job_store, on_wait);
#if WNO_ABI_VERSION_MINOR >= 1
  F(wno_type_job_store, on_enqueue_many);
  F(wno_type_job_store, on_finish_many);
#endif
#if WNO_ABI_VERSION_MINOR >= 3
  F(wno_type_job_store, on_heartbeat_many);
#endif
  F(wno_component, struct_size);
  F(wno_component, kind);
  F(wno_component, name);
  F(wno_component, description);
  F(wno_component, vtable);
  F(wno_plugin, struct_size);
  F(wno_plugin, abi_major);
  F(wno_plugin, abi_minor);
  F(wno_plugin, name);
  F(wno_plugin, version);
  F(wno_plugin, description);
  F(wno_plugin, components);
  F(wno_plugin, component_count);
  F(wno_plugin, on_load);
  F(wno_plugin, on_unload);
  F(wno_type_repository, struct_size);
  F(wno_type_repository, on_create);
  F(wno_type_repository, on_destroy);
  F(wno_type_repository, on_define_collection);
  F(wno_type_repository, on_query);
  F(wno_type_repository, on_get);
  F(wno_type_repository, on_insert);
  F(wno_type_repository, on_insert_many);
  F(wno_type_repository, on_update);
  F(wno_type_repository, on_delete);
  F(wno_type_repository, on_count);
#if WNO_ABI_VERSION_MINOR >= 2
  F(wno_type_repository, on_update_where);
  F(wno_type_repository, on_delete_where);
#endif
  printf("WNO_PLUGIN_ENTRY_SYMBOL %s\n", WNO_PLUGIN_ENTRY_SYMBOL);
  return 0;
}
