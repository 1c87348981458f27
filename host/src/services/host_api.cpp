#include "services/host_api.h"

#include "common/clock.h"
#include "core/logger.h"
#include "plugins/host_context.h"
#include "services/call_deadline.h"
#include "services/host_services.h"
#include "services/operation_timing.h"

#include <wno/sdk/sinks.hpp>
#include <wno/timing.h>
#include <wno/user_stats.h>

#include <chrono>
#include <exception>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace wno::host {
namespace {

std::string text(wno_str s) { return s.data ? std::string(s.data, s.len) : std::string(); }

// A plugin passing a NULL ctx is a plugin bug; answer it instead of crashing.
HostServices* servicesOf(wno_host_ctx* ctx) { return ctx ? ctx->services : nullptr; }

wno_status fail(const Status& status) {
  setPluginError(status.message());
  return status.code();
}

wno_status fail(wno_status code, std::string message) {
  setPluginError(std::move(message));
  return code;
}

// Host services run C++ that may throw (allocation, library errors); the
// exception must stop here, on the host side of the boundary.
template <typename Fn>
wno_status guarded(Fn&& fn) {
  try {
    return fn();
  } catch (const std::exception& e) {
    return fail(WNO_ERR_INTERNAL, std::string("host service failed: ") + e.what());
  } catch (...) {
    return fail(WNO_ERR_INTERNAL, "host service failed");
  }
}

wno_status writeTo(const wno_sink* sink, std::string_view data) {
  if (sink == nullptr || sink->write == nullptr) return WNO_OK;
  return sink->write(sink->ctx, data.data(), data.size());
}

CacheWrite toCacheWrite(const wno_cache_write_options* options) {
  CacheWrite write;
  if (options == nullptr) return write;
  // Read only what the plugin's struct covers: an older plugin's struct may be shorter.
  if (options->struct_size >= offsetof(wno_cache_write_options, ttl_ms) + sizeof(int64_t)) write.ttlMs = options->ttl_ms;
  if (options->struct_size >= offsetof(wno_cache_write_options, tag_count) + sizeof(size_t)) {
    for (size_t i = 0; i < options->tag_count && options->tags; ++i) write.tags.push_back(text(options->tags[i]));
  }
  if (options->struct_size >= offsetof(wno_cache_write_options, region) + sizeof(wno_str)) {
    write.region = text(options->region);
  }
  return write;
}

void hostLog(wno_host_ctx* ctx, wno_log_level level, wno_str message) {
  try {
    Logger::instance().log(level, ctx ? ctx->owner : "plugin", text(message));
  } catch (...) {
  }
}

void hostSetError(wno_host_ctx*, wno_str message) {
  try {
    setPluginError(text(message));
  } catch (...) {
  }
}

int64_t hostMonotonicNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double hostLoadFactor(wno_host_ctx* ctx) {
  HostServices* services = servicesOf(ctx);
  return services ? services->loadFactor() : 0.0;
}

int64_t hostCallDeadline() { return CallDeadline::currentNs(); }

// Logs a refused timing once per component and reason: a plugin times in
// a loop, and one line says what is wrong as well as a thousand.
void warnTimingRefusedOnce(const std::string& owner, const std::string& error) {
  static std::mutex mutex;
  static std::set<std::string> said;
  {
    std::lock_guard lock(mutex);
    if (said.size() >= 1000 || !said.insert(owner + "\n" + error).second) return;
  }
  logWarn(owner, error);
}

void hostRecordTiming(wno_host_ctx* ctx, wno_str collection, wno_str operation, int64_t durationNs, int32_t cached) {
  HostServices* services = servicesOf(ctx);
  if (!services) return;
  try {
    std::string error;
    if (!recordPluginTiming(services->metrics(), ctx->owner, text(collection), text(operation), durationNs, cached != 0,
                            error)) {
      warnTimingRefusedOnce(ctx->owner, error);
    }
  } catch (const std::exception& e) {
    warnTimingRefusedOnce(ctx->owner, std::string("timing failed: ") + e.what());
  }
}

wno_status hostUserStatsCounts(wno_host_ctx* ctx, const wno_sink* out) {
  HostServices* services = servicesOf(ctx);
  if (!services || services->userStatsCounts().empty()) {
    return fail(WNO_ERR_UNAVAILABLE, "the host has not read its data config yet: no user statistics declared");
  }
  return writeTo(out, services->userStatsCounts());
}

wno_host_fn hostLookup(wno_str name) {
  // Optional extras grow by name, never by table size: an older host simply
  // answers NULL and the plugin carries on without.
  const std::string_view wanted(name.data ? name.data : "", name.len);
  if (wanted == WNO_HOST_CALL_DEADLINE_V1) {
    return reinterpret_cast<wno_host_fn>(static_cast<wno_host_call_deadline_fn>(&hostCallDeadline));
  }
  if (wanted == WNO_HOST_RECORD_TIMING_V1) {
    return reinterpret_cast<wno_host_fn>(static_cast<wno_host_record_timing_fn>(&hostRecordTiming));
  }
  if (wanted == WNO_HOST_USER_STATS_COUNTS_V1) {
    return reinterpret_cast<wno_host_fn>(static_cast<wno_host_user_stats_counts_fn>(&hostUserStatsCounts));
  }
  return nullptr;
}

wno_metric* hostMetric(wno_host_ctx* ctx, wno_metric_type type, wno_str name, wno_str help, const wno_kv* labels,
                       size_t labelCount) {
  HostServices* services = servicesOf(ctx);
  if (!services) return nullptr;
  try {
    std::map<std::string, std::string> labelMap;
    for (size_t i = 0; i < labelCount && labels; ++i) labelMap[text(labels[i].key)] = text(labels[i].value);
    std::string error;
    wno_metric* metric = services->metrics().series(type, text(name), text(help), labelMap, error);
    if (!metric) logWarn(ctx->owner, "metric refused: " + error);
    return metric;
  } catch (const std::exception& e) {
    logWarn(ctx->owner, std::string("metric refused: ") + e.what());
    return nullptr;
  }
}

void hostMetricAdd(wno_metric* m, double delta) {
  if (!m) return;
  if (m->counter && delta >= 0) m->counter->Increment(delta);
  if (m->gauge) m->gauge->Increment(delta);
}

void hostMetricSet(wno_metric* m, double value) {
  if (m && m->gauge) m->gauge->Set(value);
}

void hostMetricObserve(wno_metric* m, double value) {
  if (m && m->histogram) m->histogram->Observe(value);
}

CacheApi* cacheOf(wno_host_ctx* ctx) {
  HostServices* services = servicesOf(ctx);
  return services ? services->cache() : nullptr;
}

wno_status noCache() { return fail(WNO_ERR_UNAVAILABLE, "no cache is configured on this host (/cache/levels)"); }

wno_status hostCacheGet(wno_host_ctx* ctx, wno_str key, const wno_sink* out) {
  return guarded([&] {
    CacheApi* cache = cacheOf(ctx);
    if (!cache) return noCache();
    auto found = cache->get(text(key));
    if (!found.isOk()) return fail(found.status());
    if (!found.value()) return WNO_NOT_FOUND;
    return writeTo(out, *found.value());
  });
}

wno_status hostCacheSet(wno_host_ctx* ctx, wno_str key, wno_bytes value, const wno_cache_write_options* options) {
  return guarded([&] {
    CacheApi* cache = cacheOf(ctx);
    if (!cache) return noCache();
    std::string bytes(reinterpret_cast<const char*>(value.data), value.data ? value.len : 0);
    Status status = cache->set(text(key), std::move(bytes), toCacheWrite(options));
    return status.isOk() ? WNO_OK : fail(status);
  });
}

wno_status hostCacheDelete(wno_host_ctx* ctx, wno_str key) {
  return guarded([&] {
    CacheApi* cache = cacheOf(ctx);
    if (!cache) return noCache();
    Status status = cache->remove(text(key));
    return status.isOk() || status.code() == WNO_NOT_FOUND ? status.code() : fail(status);
  });
}

wno_status hostCacheInvalidateTag(wno_host_ctx* ctx, wno_str tag, uint64_t* outCount) {
  return guarded([&] {
    CacheApi* cache = cacheOf(ctx);
    if (!cache) return noCache();
    auto count = cache->invalidateTag(text(tag));
    if (!count.isOk()) return fail(count.status());
    if (outCount) *outCount = count.value();
    return WNO_OK;
  });
}

wno_status hostCacheGetOrCompute(wno_host_ctx* ctx, wno_str key, const wno_cache_write_options* options,
                                 wno_compute_fn compute, void* computeCtx, const wno_sink* out) {
  return guarded([&] {
    CacheApi* cache = cacheOf(ctx);
    if (!cache) return noCache();
    if (!compute) return fail(WNO_ERR_INVALID, "cache_get_or_compute: compute is NULL");
    auto value = cache->getOrCompute(text(key), toCacheWrite(options), [&]() -> Result<std::string> {
      std::string produced;
      wno_sink sink = sdk::sinkInto(produced);
      clearPluginError();
      wno_status status = compute(computeCtx, &sink);
      if (status != WNO_OK) return Status(status, takePluginError("compute failed"));
      return produced;
    });
    if (!value.isOk()) return fail(value.status());
    return writeTo(out, value.value());
  });
}

wno_status hostCacheInvalidateRegion(wno_host_ctx* ctx, wno_str region) {
  return guarded([&] {
    CacheApi* cache = cacheOf(ctx);
    if (!cache) return noCache();
    Status status = cache->invalidateRegion(text(region));
    return status.isOk() ? WNO_OK : fail(status);
  });
}

RepositoryApi* reposOf(wno_host_ctx* ctx) {
  HostServices* services = servicesOf(ctx);
  return services ? services->repositories() : nullptr;
}

wno_status noRepos() { return fail(WNO_ERR_UNAVAILABLE, "no repository is configured on this host"); }

RepositoryApi::RowSink rowSink(const wno_sink* out) {
  return [out](std::string_view row) -> Status {
    wno_status status = writeTo(out, row);
    return status == WNO_OK ? Status::ok() : Status(status, "the consumer stopped reading");
  };
}

wno_status hostRepoQuery(wno_host_ctx* ctx, wno_str collection, wno_str query, const wno_sink* out) {
  return guarded([&] {
    RepositoryApi* repos = reposOf(ctx);
    if (!repos) return noRepos();
    Status status = repos->query(text(collection), text(query), rowSink(out));
    return status.isOk() ? WNO_OK : fail(status);
  });
}

wno_status hostRepoGet(wno_host_ctx* ctx, wno_str collection, int64_t id, const wno_sink* out) {
  return guarded([&] {
    RepositoryApi* repos = reposOf(ctx);
    if (!repos) return noRepos();
    Status status = repos->get(text(collection), id, rowSink(out));
    return status.isOk() || status.code() == WNO_NOT_FOUND ? status.code() : fail(status);
  });
}

wno_status hostRepoCreate(wno_host_ctx* ctx, wno_str collection, wno_str row, const wno_sink* out) {
  return guarded([&] {
    RepositoryApi* repos = reposOf(ctx);
    if (!repos) return noRepos();
    Status status = repos->create(text(collection), text(row), rowSink(out));
    return status.isOk() ? WNO_OK : fail(status);
  });
}

wno_status hostRepoUpdate(wno_host_ctx* ctx, wno_str collection, int64_t id, int64_t expectedVersion, wno_str patch,
                          const wno_sink* out) {
  return guarded([&] {
    RepositoryApi* repos = reposOf(ctx);
    if (!repos) return noRepos();
    Status status = repos->update(text(collection), id, expectedVersion, text(patch), rowSink(out));
    return status.isOk() || status.code() == WNO_NOT_FOUND ? status.code() : fail(status);
  });
}

wno_status hostRepoDelete(wno_host_ctx* ctx, wno_str collection, int64_t id) {
  return guarded([&] {
    RepositoryApi* repos = reposOf(ctx);
    if (!repos) return noRepos();
    Status status = repos->remove(text(collection), id);
    return status.isOk() || status.code() == WNO_NOT_FOUND ? status.code() : fail(status);
  });
}

wno_status hostRepoCount(wno_host_ctx* ctx, wno_str collection, wno_str query, int64_t* outCount) {
  return guarded([&] {
    RepositoryApi* repos = reposOf(ctx);
    if (!repos) return noRepos();
    if (!outCount) return fail(WNO_ERR_INVALID, "repo_count: out_count is NULL");
    auto n = repos->countWhere(text(collection), text(query));
    if (!n.isOk()) return fail(n.status());
    *outCount = n.value();
    return WNO_OK;
  });
}

wno_status hostRepoCreateMany(wno_host_ctx* ctx, wno_str collection, wno_str rows, const wno_sink* idsOut) {
  return guarded([&] {
    RepositoryApi* repos = reposOf(ctx);
    if (!repos) return noRepos();
    auto ids = repos->createMany(text(collection), text(rows));
    if (!ids.isOk()) return fail(ids.status());
    std::string array = "[";
    for (size_t i = 0; i < ids.value().size(); ++i) array += (i ? "," : "") + std::to_string(ids.value()[i]);
    return writeTo(idsOut, array + "]");
  });
}

// The rows a write by filter changed, to the plugin's sink; the count
// first, so a plugin that stops reading still learns it.
wno_status deliverChanged(const Result<std::vector<std::string>>& rows, const wno_sink* out, int64_t* outCount) {
  if (!rows.isOk()) return fail(rows.status());
  if (outCount) *outCount = static_cast<int64_t>(rows.value().size());
  for (const auto& row : rows.value()) {
    const wno_status s = writeTo(out, row);
    if (s != WNO_OK) return s;
  }
  return WNO_OK;
}

wno_status hostRepoUpdateWhere(wno_host_ctx* ctx, wno_str collection, wno_str query, wno_str patch,
                               const wno_sink* out, int64_t* outCount) {
  return guarded([&] {
    RepositoryApi* repos = reposOf(ctx);
    if (!repos) return noRepos();
    return deliverChanged(repos->updateWhere(text(collection), text(query), text(patch)), out, outCount);
  });
}

wno_status hostRepoDeleteWhere(wno_host_ctx* ctx, wno_str collection, wno_str query, const wno_sink* out,
                               int64_t* outCount) {
  return guarded([&] {
    RepositoryApi* repos = reposOf(ctx);
    if (!repos) return noRepos();
    return deliverChanged(repos->deleteWhere(text(collection), text(query)), out, outCount);
  });
}

wno_status hostJobEnqueue(wno_host_ctx* ctx, wno_str request, const wno_sink* out, int32_t* outCreated) {
  return guarded([&] {
    HostServices* services = servicesOf(ctx);
    JobApi* jobs = services ? services->jobs() : nullptr;
    if (!jobs) return fail(WNO_ERR_UNAVAILABLE, "no job store is configured on this host");
    auto enqueued = jobs->enqueue(text(request));
    if (!enqueued.isOk()) return fail(enqueued.status());
    if (outCreated) *outCreated = enqueued.value().created ? 1 : 0;
    return writeTo(out, enqueued.value().jobJson);
  });
}

wno_status hostJobEnqueueMany(wno_host_ctx* ctx, wno_str requests, const wno_sink* out) {
  return guarded([&] {
    HostServices* services = servicesOf(ctx);
    JobApi* jobs = services ? services->jobs() : nullptr;
    if (!jobs) return fail(WNO_ERR_UNAVAILABLE, "no job store is configured on this host");
    auto results = jobs->enqueueMany(text(requests));
    if (!results.isOk()) return fail(results.status());
    for (const auto& result : results.value()) {
      const wno_status s = writeTo(out, result);
      if (s != WNO_OK) return s;
    }
    return WNO_OK;
  });
}

int32_t hostJobShouldStop(wno_host_ctx* ctx, wno_str jobId) {
  try {
    HostServices* services = servicesOf(ctx);
    JobApi* jobs = services ? services->jobs() : nullptr;
    return jobs && jobs->shouldStop(text(jobId)) ? 1 : 0;
  } catch (...) {
    return 0;
  }
}

const wno_host_api kTable = [] {
  wno_host_api api{};
  api.struct_size = sizeof(wno_host_api);
  api.abi_major = WNO_ABI_VERSION_MAJOR;
  api.abi_minor = WNO_ABI_VERSION_MINOR;
  api.log = hostLog;
  api.set_error = hostSetError;
  api.now_ms = common::unixNowMs;
  api.monotonic_ns = hostMonotonicNs;
  api.load_factor = hostLoadFactor;
  api.lookup = hostLookup;
  api.metric = hostMetric;
  api.metric_add = hostMetricAdd;
  api.metric_set = hostMetricSet;
  api.metric_observe = hostMetricObserve;
  api.cache_get = hostCacheGet;
  api.cache_set = hostCacheSet;
  api.cache_delete = hostCacheDelete;
  api.cache_invalidate_tag = hostCacheInvalidateTag;
  api.cache_get_or_compute = hostCacheGetOrCompute;
  api.repo_query = hostRepoQuery;
  api.repo_get = hostRepoGet;
  api.repo_create = hostRepoCreate;
  api.repo_update = hostRepoUpdate;
  api.repo_delete = hostRepoDelete;
  api.job_enqueue = hostJobEnqueue;
  api.job_should_stop = hostJobShouldStop;
  api.cache_invalidate_region = hostCacheInvalidateRegion;
  api.job_enqueue_many = hostJobEnqueueMany;
  api.repo_count = hostRepoCount;
  api.repo_create_many = hostRepoCreateMany;
  api.repo_update_where = hostRepoUpdateWhere;
  api.repo_delete_where = hostRepoDeleteWhere;
  return api;
}();

}  // namespace

const wno_host_api* hostApiTable() { return &kTable; }

}  // namespace wno::host
