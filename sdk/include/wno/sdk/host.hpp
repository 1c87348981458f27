// wno SDK — the host, as a component sees it. A Host is a cheap copyable
// handle (the host's table plus this component's context) with typed
// helpers over wno_host_api. THREADS: every method may be called from any
// thread. Failures throw wno::sdk::Error; a host too old for a service
// throws Error(WNO_ERR_UNSUPPORTED).
#pragma once

#include "wno/sdk/error.hpp"
#include "wno/sdk/sinks.hpp"

#include <wno/host.h>
#include <wno/timing.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// Reads a host function only if this host's table has it (an older host's
// table is shorter); absent functions throw Error(WNO_ERR_UNSUPPORTED).
#define WNO_SDK_NEED(field) need(WNO_HOST_HAS(api_, field) ? api_->field : nullptr, #field)

namespace wno::sdk {

// A series in the host's metrics registry; valid until the plugin unloads.
class Metric {
 public:
  Metric() = default;
  Metric(const wno_host_api* api, wno_metric* m) : api_(api), metric_(m) {}
  void add(double delta) const {
    if (metric_) api_->metric_add(metric_, delta);
  }
  void set(double value) const {
    if (metric_) api_->metric_set(metric_, value);
  }
  void observe(double seconds) const {
    if (metric_) api_->metric_observe(metric_, seconds);
  }
  explicit operator bool() const { return metric_ != nullptr; }

 private:
  const wno_host_api* api_ = nullptr;
  wno_metric* metric_ = nullptr;
};

// Times one of the plugin's own operations into the host's repository
// duration histogram (wno/timing.h), from construction to destruction: the
// platform's executeWithTiming as an object, for code that learns midway
// whether a cache answered. On a host without the timing function it
// records nothing. Get one from Host::startTiming.
class Timing {
 public:
  Timing(wno_host_record_timing_fn record, wno_host_ctx* ctx, std::string_view collection, std::string_view operation)
      : record_(record), ctx_(ctx), collection_(collection), operation_(operation),
        started_(std::chrono::steady_clock::now()) {}
  ~Timing() {
    if (!record_) return;
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - started_);
    record_(ctx_, str(collection_), str(operation_), static_cast<int64_t>(ns.count()), cached_ ? 1 : 0);
  }
  Timing(Timing&& o) noexcept
      : record_(std::exchange(o.record_, nullptr)), ctx_(o.ctx_), collection_(std::move(o.collection_)),
        operation_(std::move(o.operation_)), started_(o.started_), cached_(o.cached_) {}
  Timing(const Timing&) = delete;
  Timing& operator=(const Timing&) = delete;
  Timing& operator=(Timing&&) = delete;

  // A cache answered (the "cached" label); false unless set.
  void setCached(bool cached) { cached_ = cached; }

 private:
  wno_host_record_timing_fn record_;
  wno_host_ctx* ctx_;
  std::string collection_;
  std::string operation_;
  std::chrono::steady_clock::time_point started_;
  bool cached_ = false;
};

struct CacheWriteOptions {
  int64_t ttlMs = 0;  // <= 0: the region default
  std::vector<std::string> tags;
  std::string region;
};

using Labels = std::map<std::string, std::string>;

class Host {
 public:
  Host() = default;
  Host(const wno_host_api* api, wno_host_ctx* ctx) : api_(api), ctx_(ctx) {}

  const wno_host_api* api() const { return api_; }
  wno_host_ctx* ctx() const { return ctx_; }
  uint32_t abiMinor() const { return api_ ? api_->abi_minor : 0; }

  void log(wno_log_level level, std::string_view message) const {
    if (WNO_HOST_HAS(api_, log)) api_->log(ctx_, level, str(message));
  }
  void debug(std::string_view m) const { log(WNO_LOG_DEBUG, m); }
  void info(std::string_view m) const { log(WNO_LOG_INFO, m); }
  void warn(std::string_view m) const { log(WNO_LOG_WARN, m); }
  void error(std::string_view m) const { log(WNO_LOG_ERROR, m); }
  void setError(std::string_view message) const {
    if (WNO_HOST_HAS(api_, set_error)) api_->set_error(ctx_, str(message));
  }

  double loadFactor() const { return WNO_HOST_HAS(api_, load_factor) ? api_->load_factor(ctx_) : 0.0; }
  // An optional host function (host.h, "Optional host functions") cast to
  // its documented type, or nullptr when this host has none by that name.
  template <typename Fn>
  Fn lookup(const char* name) const {
    if (!WNO_HOST_HAS(api_, lookup)) return nullptr;
    return reinterpret_cast<Fn>(api_->lookup(wno_str_of(name)));
  }
  int64_t nowMs() const { return WNO_SDK_NEED(now_ms)(); }
  int64_t monotonicNs() const { return WNO_SDK_NEED(monotonic_ns)(); }

  Metric counter(std::string_view name, std::string_view help, const Labels& labels = {}) const {
    return metric(WNO_METRIC_COUNTER, name, help, labels);
  }
  Metric gauge(std::string_view name, std::string_view help, const Labels& labels = {}) const {
    return metric(WNO_METRIC_GAUGE, name, help, labels);
  }
  Metric histogram(std::string_view name, std::string_view help, const Labels& labels = {}) const {
    return metric(WNO_METRIC_HISTOGRAM, name, help, labels);
  }

  // ---- timing the plugin's own operations (wno/timing.h) ----
  // `operation` is the "op" label; `collection` what it reads (empty: this
  // component's name). Both 1-64 characters of [A-Za-z0-9_.:-].
  Timing startTiming(std::string_view operation, std::string_view collection = {}) const {
    return Timing(lookup<wno_host_record_timing_fn>(WNO_HOST_RECORD_TIMING_V1), ctx_, collection, operation);
  }
  // Runs fn() and answers what it returns, timed as startTiming would time
  // it (also when fn throws).
  template <typename Fn>
  decltype(auto) executeWithTiming(std::string_view operation, Fn&& fn, std::string_view collection = {},
                                   bool cached = false) const {
    Timing timing = startTiming(operation, collection);
    timing.setCached(cached);
    return std::forward<Fn>(fn)();
  }

  // ---- cache service ----
  std::optional<std::string> cacheGet(std::string_view key) const {
    std::string value;
    const wno_sink out = sinkInto(value);
    const wno_status s = WNO_SDK_NEED(cache_get)(ctx_, str(key), &out);
    if (s == WNO_NOT_FOUND) return std::nullopt;
    check(s, "cache_get");
    return value;
  }
  void cacheSet(std::string_view key, std::string_view value, const CacheWriteOptions& options = {}) const {
    Options o(options);
    check(WNO_SDK_NEED(cache_set)(
              ctx_, str(key), wno_bytes{reinterpret_cast<const uint8_t*>(value.data()), value.size()}, &o.raw),
          "cache_set");
  }
  bool cacheDelete(std::string_view key) const {
    const wno_status s = WNO_SDK_NEED(cache_delete)(ctx_, str(key));
    if (s == WNO_NOT_FOUND) return false;
    check(s, "cache_delete");
    return true;
  }
  uint64_t cacheInvalidateTag(std::string_view tag) const {
    uint64_t count = 0;
    check(WNO_SDK_NEED(cache_invalidate_tag)(ctx_, str(tag), &count), "cache_invalidate_tag");
    return count;
  }
  void cacheInvalidateRegion(std::string_view region) const {
    check(WNO_SDK_NEED(cache_invalidate_region)(ctx_, str(region)), "cache_invalidate_region");
  }
  // Runs compute at most once across concurrent callers for key; its
  // exceptions propagate to this caller (as Error) and nothing is cached.
  std::string cacheGetOrCompute(std::string_view key, const CacheWriteOptions& options,
                                const std::function<std::string()>& compute) const {
    struct Ctx {
      const std::function<std::string()>* compute;
      const Host* host;
      std::optional<Error> error;
    } c{&compute, this, std::nullopt};
    auto trampoline = [](void* raw, const wno_sink* out) -> wno_status {
      auto* cc = static_cast<Ctx*>(raw);
      try {
        const std::string value = (*cc->compute)();
        return out->write(out->ctx, value.data(), value.size());
      } catch (const Error& e) {
        cc->error = e;
      } catch (const std::exception& e) {
        cc->error = Error(WNO_ERR_INTERNAL, e.what());
      } catch (...) {
        cc->error = Error(WNO_ERR_INTERNAL, "unknown exception in compute");
      }
      cc->host->setError(cc->error->what());
      return cc->error->status();
    };
    Options o(options);
    std::string value;
    const wno_sink out = sinkInto(value);
    const wno_status s = WNO_SDK_NEED(cache_get_or_compute)(ctx_, str(key), &o.raw, trampoline, &c, &out);
    if (s != WNO_OK && c.error) throw *c.error;
    check(s, "cache_get_or_compute");
    return value;
  }

  // ---- repository service (JSON in, JSON out; see repository.h) ----
  std::vector<std::string> repoQuery(std::string_view collection, std::string_view queryJson) const {
    std::vector<std::string> rows;
    const wno_sink sink = sinkAppending(rows);
    check(WNO_SDK_NEED(repo_query)(ctx_, str(collection), str(queryJson), &sink), "repo_query");
    return rows;
  }
  std::optional<std::string> repoGet(std::string_view collection, int64_t id) const {
    std::string row;
    const wno_sink out = sinkInto(row);
    const wno_status s = WNO_SDK_NEED(repo_get)(ctx_, str(collection), id, &out);
    if (s == WNO_NOT_FOUND) return std::nullopt;
    check(s, "repo_get");
    return row;
  }
  std::string repoCreate(std::string_view collection, std::string_view rowJson) const {
    std::string row;
    const wno_sink out = sinkInto(row);
    check(WNO_SDK_NEED(repo_create)(ctx_, str(collection), str(rowJson), &out), "repo_create");
    return row;
  }
  std::string repoUpdate(std::string_view collection, int64_t id, int64_t expectedVersion,
                         std::string_view patchJson) const {
    std::string row;
    const wno_sink out = sinkInto(row);
    check(WNO_SDK_NEED(repo_update)(ctx_, str(collection), id, expectedVersion, str(patchJson), &out), "repo_update");
    return row;
  }
  bool repoDelete(std::string_view collection, int64_t id) const {
    const wno_status s = WNO_SDK_NEED(repo_delete)(ctx_, str(collection), id);
    if (s == WNO_NOT_FOUND) return false;
    check(s, "repo_delete");
    return true;
  }

#if WNO_TARGET_ABI_MINOR >= 2
  // ---- 1.2: counts and writes in bulk (host.h); a plugin built for an
  // older minor does not see them (the hosts it loads in may lack them) ----

  // How many rows match queryJson's "filters" (QUERY; other keys ignored).
  int64_t repoCount(std::string_view collection, std::string_view queryJson) const {
    int64_t n = 0;
    check(WNO_SDK_NEED(repo_count)(ctx_, str(collection), str(queryJson), &n), "repo_count");
    return n;
  }
  // Inserts a JSON array of rows in one transaction, all or nothing; the
  // new ids in input order.
  std::vector<int64_t> repoCreateMany(std::string_view collection, std::string_view rowsJson) const {
    std::string ids;
    const wno_sink out = sinkInto(ids);
    check(WNO_SDK_NEED(repo_create_many)(ctx_, str(collection), str(rowsJson), &out), "repo_create_many");
    return parseIds(ids);
  }
  // What a write by filter changed: how many rows, and each as it now is
  // (update) or as it was (delete), ordered by id.
  struct Written {
    int64_t count = 0;
    std::vector<std::string> rows;
  };
  // Patches the rows queryJson selects ("filters" and "limit" required,
  // "sort" optional) in one transaction, bumping their versions.
  Written repoUpdateWhere(std::string_view collection, std::string_view queryJson, std::string_view patchJson) const {
    Written w;
    const wno_sink out = sinkAppending(w.rows);
    check(WNO_SDK_NEED(repo_update_where)(ctx_, str(collection), str(queryJson), str(patchJson), &out, &w.count),
          "repo_update_where");
    return w;
  }
  // Deletes the rows queryJson selects, as repoUpdateWhere selects them.
  Written repoDeleteWhere(std::string_view collection, std::string_view queryJson) const {
    Written w;
    const wno_sink out = sinkAppending(w.rows);
    check(WNO_SDK_NEED(repo_delete_where)(ctx_, str(collection), str(queryJson), &out, &w.count),
          "repo_delete_where");
    return w;
  }
#endif

  // ---- jobs ----
  struct Enqueued {
    std::string jobJson;
    bool created = false;
  };
  Enqueued enqueue(std::string_view requestJson) const {
    Enqueued out;
    int32_t created = 0;
    const wno_sink sink = sinkInto(out.jobJson);
    check(WNO_SDK_NEED(job_enqueue)(ctx_, str(requestJson), &sink, &created), "job_enqueue");
    out.created = created != 0;
    return out;
  }
  // Enqueues several requests (each a job_enqueue request JSON) in one store
  // transaction. One result JSON object per request, in order, as
  // job_enqueue_many writes them: {"status":201|200,"job":{...}} or
  // {"status":400,"parameter","message"} for an invalid request. On a 1.0
  // host (no job_enqueue_many) the requests go one by one through
  // job_enqueue, so they are not one transaction there.
  std::vector<std::string> enqueueMany(const std::vector<std::string>& requestJsons) const {
    std::vector<std::string> results;
    if (WNO_HOST_HAS(api_, job_enqueue_many)) {
      std::string array = "[";
      for (size_t i = 0; i < requestJsons.size(); ++i) array += (i ? "," : "") + requestJsons[i];
      array += "]";
      const wno_sink sink = sinkAppending(results);
      check(api_->job_enqueue_many(ctx_, str(array), &sink), "job_enqueue_many");
      return results;
    }
    for (const auto& request : requestJsons) {
      std::string job;
      int32_t created = 0;
      const wno_sink sink = sinkInto(job);
      const wno_status s = WNO_SDK_NEED(job_enqueue)(ctx_, str(request), &sink, &created);
      if (s == WNO_ERR_INVALID) {
        // The host logged why; a 1.0 host gives the plugin no message to copy.
        results.push_back("{\"status\":400,\"message\":\"the host refused the job request\"}");
        continue;
      }
      check(s, "job_enqueue");
      results.push_back(std::string("{\"status\":") + (created ? "201" : "200") + ",\"job\":" + job + "}");
    }
    return results;
  }
  bool jobShouldStop(std::string_view jobId) const {
    return WNO_HOST_HAS(api_, job_should_stop) && api_->job_should_stop(ctx_, str(jobId)) != 0;
  }

 private:
  // Holds the C view of CacheWriteOptions for the duration of one call.
  struct Options {
    explicit Options(const CacheWriteOptions& o) {
      for (const auto& t : o.tags) tags.push_back(str(t));
      raw.struct_size = sizeof raw;
      raw.ttl_ms = o.ttlMs;
      raw.tags = tags.data();
      raw.tag_count = tags.size();
      raw.region = str(o.region);
    }
    std::vector<wno_str> tags;
    wno_cache_write_options raw{};
  };

  // "[3,4,5]" as the host writes new ids (integers only, no JSON library
  // needed); throws Error(WNO_ERR_INTERNAL) on anything else.
  static std::vector<int64_t> parseIds(const std::string& text) {
    std::vector<int64_t> ids;
    size_t i = text.find('[');
    if (i == std::string::npos) throw Error(WNO_ERR_INTERNAL, "the host wrote no id array");
    for (++i; i < text.size();) {
      const char ch = text[i];
      if (ch == ']') return ids;
      if (ch == ',' || ch == ' ') {
        ++i;
        continue;
      }
      char* end = nullptr;
      const long long id = std::strtoll(text.c_str() + i, &end, 10);
      if (end == text.c_str() + i) throw Error(WNO_ERR_INTERNAL, "the host wrote a malformed id array");
      ids.push_back(static_cast<int64_t>(id));
      i = static_cast<size_t>(end - text.c_str());
    }
    throw Error(WNO_ERR_INTERNAL, "the host wrote an unterminated id array");
  }

  template <typename Fn>
  Fn need(Fn fn, const char* name) const {
    if (fn == nullptr) {
      throw Error(WNO_ERR_UNSUPPORTED, std::string("this host does not provide ") + name);
    }
    return fn;
  }

  // The host already recorded why (set_error); the Error says so, so the
  // boundary does not overwrite the host's precise message with this one.
  void check(wno_status s, const char* what) const {
    if (s != WNO_OK) throw Error(s, std::string(what) + " failed with status " + std::to_string(s), true);
  }

  Metric metric(wno_metric_type type, std::string_view name, std::string_view help, const Labels& labels) const {
    std::vector<wno_kv> kv;
    for (const auto& [k, v] : labels) kv.push_back({str(k), str(v)});
    return Metric(api_, WNO_SDK_NEED(metric)(ctx_, type, str(name), str(help), kv.data(), kv.size()));
  }

  const wno_host_api* api_ = nullptr;
  wno_host_ctx* ctx_ = nullptr;
};

}  // namespace wno::sdk

// A helper of this header only: not part of the SDK a plugin sees.
#undef WNO_SDK_NEED
