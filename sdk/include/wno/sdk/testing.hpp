// wno SDK — fakes for unit-testing a plugin without the host.
//
//   wno::sdk::testing::FakeHost host;                 // a real wno_host_api table
//   auto probe = host.create<wno_type_health_probe>(WNO_KIND_HEALTH_PROBE, "my_probe", R"({"x":1})");
//   auto report = wno::sdk::testing::check(probe);    // through the C vtable
//   EXPECT_EQ(host.lastError(), "");
//
// The plugin under test is compiled into the test binary, so create() finds
// its components through the plugin's own wno_plugin_entry_v1. Everything
// crosses the real C boundary: trampolines, set_error, sinks.
// Repository services reach `host.repo`, an in-memory FakeRepository
// (fake_repository.hpp): define a collection and the plugin's rows are real.
// THREADS: FakeHost's state is guarded by a mutex; the fake cache is a map.
// Scriptable members are for setup before the plugin runs; while it runs on
// other threads, use the locking methods (stopJob, cacheValue, enqueuedJobs).
#pragma once

#include "wno/sdk/fake_repository.hpp"
#include "wno/sdk/plugin.hpp"
#include "wno/sdk/sinks.hpp"

#include <wno/user_stats.h>

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

extern "C" const wno_plugin* wno_plugin_entry_v1(uint32_t host_major, uint32_t host_minor);

namespace wno::sdk::testing {

class FakeHost;

// A component instance created through its vtable; destroyed with it.
template <typename Vtable>
class Instance {
 public:
  Instance(const Vtable* vtable, void* self) : vtable_(vtable), self_(self) {}
  ~Instance() {
    if (self_) vtable_->on_destroy(self_);
  }
  Instance(Instance&& o) noexcept : vtable_(o.vtable_), self_(o.self_) { o.self_ = nullptr; }
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;
  const Vtable& vtable() const { return *vtable_; }
  void* self() const { return self_; }

 private:
  const Vtable* vtable_;
  void* self_;
};

struct LogLine {
  wno_log_level level;
  std::string message;
};

class FakeHost {
 public:
  FakeHost() {
    api_.struct_size = sizeof api_;
    api_.abi_major = WNO_ABI_VERSION_MAJOR;
    api_.abi_minor = WNO_ABI_VERSION_MINOR;
    wireLogAndClock();
    wireLookup();
    wireMetrics();
    wireCache();
    wireRepository();
    wireJobs();
  }

  FakeHost(const FakeHost&) = delete;
  FakeHost& operator=(const FakeHost&) = delete;

  const wno_host_api* api() const { return &api_; }
  wno_host_ctx* ctx() { return reinterpret_cast<wno_host_ctx*>(this); }

  // Creates component `name` of `kind` from the plugin linked into the test.
  template <typename Vtable>
  Instance<Vtable> create(wno_kind kind, std::string_view name, std::string_view configJson = "{}") {
    const wno_plugin* plugin = wno_plugin_entry_v1(WNO_ABI_VERSION_MAJOR, WNO_ABI_VERSION_MINOR);
    if (!plugin) throw std::runtime_error("the plugin's entry point declined this host");
    for (size_t i = 0; i < plugin->component_count; ++i) {
      const wno_component& c = plugin->components[i];
      if (c.kind != kind || name != c.name) continue;
      const auto* vtable = static_cast<const Vtable*>(c.vtable);
      void* self = nullptr;
      clearError();
      const wno_status s = vtable->on_create(api(), ctx(), str(configJson), &self);
      if (s != WNO_OK) throw Error(s, lastError());
      return Instance<Vtable>(vtable, self);
    }
    throw std::runtime_error("the plugin has no such component: " + std::string(name));
  }

  std::string lastError() const {
    std::lock_guard lock(mutex_);
    return lastError_;
  }
  void clearError() {
    std::lock_guard lock(mutex_);
    lastError_.clear();
  }
  std::vector<LogLine> logs() const {
    std::lock_guard lock(mutex_);
    return logs_;
  }
  // The value of metric "name" or "name|label=value|..." (labels sorted by key).
  double metric(const std::string& key) const {
    std::lock_guard lock(mutex_);
    auto it = metrics_.find(key);
    return it == metrics_.end() ? 0.0 : it->second.value;
  }
  // Whether the plugin registered that series at all.
  bool hasMetric(const std::string& key) const {
    std::lock_guard lock(mutex_);
    return metrics_.count(key) != 0;
  }
  // What the plugin timed through WNO_HOST_RECORD_TIMING_V1, in order.
  struct TimingRecord {
    std::string collection;
    std::string operation;
    int64_t durationNs = 0;
    bool cached = false;
  };
  std::vector<TimingRecord> timings() const {
    std::lock_guard lock(mutex_);
    return timings_;
  }
  // Makes job_should_stop(id) answer true from now on; safe while the plugin runs.
  void stopJob(const std::string& id) {
    std::lock_guard lock(mutex_);
    stopJobs.insert(id);
  }
  std::optional<std::string> cacheValue(const std::string& key) const {
    std::lock_guard lock(mutex_);
    auto it = cache.find(key);
    if (it == cache.end()) return std::nullopt;
    return it->second;
  }
  std::vector<std::string> enqueuedJobs() const {
    std::lock_guard lock(mutex_);
    return enqueued;
  }

  // Scriptable state; lock nothing yourself while the plugin runs.
  double loadFactor = 0.0;
  std::map<std::string, std::string> cache;
  int computes = 0;
  std::function<std::vector<std::string>(const std::string& collection, const std::string& query)> onRepoQuery;
  std::vector<std::pair<std::string, std::string>> created;
  std::vector<std::pair<std::string, std::string>> updated;
  std::vector<std::string> enqueued;
  std::set<std::string> stopJobs;
  // The options of the last cache_set per key (tags, region, ttl).
  std::map<std::string, CacheWriteOptions> cacheWrites;
  // Rows behind repo_*; define a collection to use it.
  FakeRepository repo;
  // What WNO_HOST_USER_STATS_COUNTS_V1 answers (a JSON array as the host
  // writes it); unset: UNAVAILABLE, as a host without collections.
  std::optional<std::string> userStatsCounts;

 private:
  struct MetricValue {
    wno_metric_type type = 0;
    double value = 0;
    uint64_t count = 0;
  };
  static FakeHost& self(wno_host_ctx* c) { return *reinterpret_cast<FakeHost*>(c); }

  // The host table, one family of services at a time.
  void wireLogAndClock() {
    api_.log = [](wno_host_ctx* c, wno_log_level level, wno_str m) {
      auto& h = self(c);
      std::lock_guard lock(h.mutex_);
      h.logs_.push_back({level, std::string(view(m))});
    };
    api_.set_error = [](wno_host_ctx* c, wno_str m) {
      auto& h = self(c);
      std::lock_guard lock(h.mutex_);
      h.lastError_ = std::string(view(m));
    };
    api_.now_ms = [] { return static_cast<int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                       std::chrono::system_clock::now().time_since_epoch())
                                                       .count()); };
    api_.monotonic_ns = [] {
      return static_cast<int64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    };
    api_.load_factor = [](wno_host_ctx* c) { return self(c).loadFactor; };
  }
  void wireLookup() {
    // Two optional functions: timing (wno/timing.h) and the declared user
    // statistics (wno/user_stats.h, from `userStatsCounts`); every other
    // name is absent, as on a minimal host.
    api_.lookup = [](wno_str name) -> wno_host_fn {
      if (view(name) == WNO_HOST_USER_STATS_COUNTS_V1) {
        const wno_host_user_stats_counts_fn counts = [](wno_host_ctx* c, const wno_sink* out) -> wno_status {
          std::string text;
          {
            auto& h = self(c);
            std::lock_guard lock(h.mutex_);
            if (!h.userStatsCounts) {
              h.lastError_ = "this host declares no user statistics";
              return WNO_ERR_UNAVAILABLE;
            }
            text = *h.userStatsCounts;
          }
          return out->write(out->ctx, text.data(), text.size());
        };
        return reinterpret_cast<wno_host_fn>(counts);
      }
      if (view(name) != WNO_HOST_RECORD_TIMING_V1) return nullptr;
      const wno_host_record_timing_fn record = [](wno_host_ctx* c, wno_str collection, wno_str operation,
                                                  int64_t ns, int32_t cached) {
        auto& h = self(c);
        std::lock_guard lock(h.mutex_);
        h.timings_.push_back({std::string(view(collection)), std::string(view(operation)), ns, cached != 0});
      };
      return reinterpret_cast<wno_host_fn>(record);
    };
  }
  void wireMetrics() {
    api_.metric = [](wno_host_ctx* c, wno_metric_type type, wno_str name, wno_str, const wno_kv* labels,
                     size_t n) -> wno_metric* {
      auto& h = self(c);
      std::string key(view(name));
      for (size_t i = 0; i < n; ++i) key += "|" + std::string(view(labels[i].key)) + "=" + std::string(view(labels[i].value));
      std::lock_guard lock(h.mutex_);
      auto& slot = h.metrics_[key];
      slot.type = type;
      return reinterpret_cast<wno_metric*>(&slot);
    };
    api_.metric_add = [](wno_metric* m, double d) { reinterpret_cast<MetricValue*>(m)->value += d; };
    api_.metric_set = [](wno_metric* m, double v) { reinterpret_cast<MetricValue*>(m)->value = v; };
    api_.metric_observe = [](wno_metric* m, double v) {
      auto* mv = reinterpret_cast<MetricValue*>(m);
      mv->value += v;
      ++mv->count;
    };
  }
  void wireCache() {
    api_.cache_get = [](wno_host_ctx* c, wno_str key, const wno_sink* out) -> wno_status {
      auto& h = self(c);
      std::lock_guard lock(h.mutex_);
      auto it = h.cache.find(std::string(view(key)));
      if (it == h.cache.end()) return WNO_NOT_FOUND;
      return out->write(out->ctx, it->second.data(), it->second.size());
    };
    api_.cache_set = [](wno_host_ctx* c, wno_str key, wno_bytes value, const wno_cache_write_options* o) -> wno_status {
      auto& h = self(c);
      std::lock_guard lock(h.mutex_);
      h.cache[std::string(view(key))] = std::string(reinterpret_cast<const char*>(value.data), value.len);
      CacheWriteOptions& written = h.cacheWrites[std::string(view(key))];
      written = CacheWriteOptions{};
      if (o) {
        written.ttlMs = o->ttl_ms;
        for (size_t i = 0; i < o->tag_count && o->tags; ++i) written.tags.emplace_back(view(o->tags[i]));
        written.region = std::string(view(o->region));
      }
      return WNO_OK;
    };
    api_.cache_delete = [](wno_host_ctx* c, wno_str key) -> wno_status {
      auto& h = self(c);
      std::lock_guard lock(h.mutex_);
      return h.cache.erase(std::string(view(key))) ? WNO_OK : WNO_NOT_FOUND;
    };
    api_.cache_invalidate_tag = [](wno_host_ctx*, wno_str, uint64_t* n) -> wno_status {
      if (n) *n = 0;
      return WNO_OK;
    };
    api_.cache_get_or_compute = [](wno_host_ctx* c, wno_str key, const wno_cache_write_options*, wno_compute_fn fn,
                                   void* fnCtx, const wno_sink* out) -> wno_status {
      auto& h = self(c);
      {
        std::lock_guard lock(h.mutex_);
        auto it = h.cache.find(std::string(view(key)));
        if (it != h.cache.end()) return out->write(out->ctx, it->second.data(), it->second.size());
        ++h.computes;
      }
      std::string value;
      wno_sink capture = sinkInto(value);
      const wno_status s = fn(fnCtx, &capture);
      if (s != WNO_OK) return s;
      {
        std::lock_guard lock(h.mutex_);
        h.cache[std::string(view(key))] = value;
      }
      return out->write(out->ctx, value.data(), value.size());
    };
    api_.cache_invalidate_region = [](wno_host_ctx* c, wno_str) -> wno_status {
      auto& h = self(c);
      std::lock_guard lock(h.mutex_);
      h.cache.clear();
      return WNO_OK;
    };
  }
  void wireRepository() {
    // A scripted onRepoQuery wins over the in-memory repository.
    api_.repo_query = [](wno_host_ctx* c, wno_str coll, wno_str q, const wno_sink* out) -> wno_status {
      auto& h = self(c);
      if (h.onRepoQuery) {
        for (const auto& row : h.onRepoQuery(std::string(view(coll)), std::string(view(q)))) {
          const wno_status s = out->write(out->ctx, row.data(), row.size());
          if (s != WNO_OK) return s;
        }
        return WNO_OK;
      }
      return h.deliver(h.repo.query(std::string(view(coll)), std::string(view(q))), out);
    };
    api_.repo_get = [](wno_host_ctx* c, wno_str coll, int64_t id, const wno_sink* out) -> wno_status {
      auto& h = self(c);
      return h.deliver(h.repo.get(std::string(view(coll)), id), out);
    };
    api_.repo_create = [](wno_host_ctx* c, wno_str coll, wno_str row, const wno_sink* out) -> wno_status {
      auto& h = self(c);
      {
        std::lock_guard lock(h.mutex_);
        h.created.emplace_back(std::string(view(coll)), std::string(view(row)));
      }
      return h.deliver(h.repo.create(std::string(view(coll)), std::string(view(row))), out);
    };
    api_.repo_update = [](wno_host_ctx* c, wno_str coll, int64_t id, int64_t expected, wno_str patch,
                          const wno_sink* out) -> wno_status {
      auto& h = self(c);
      {
        std::lock_guard lock(h.mutex_);
        h.updated.emplace_back(std::string(view(coll)) + "/" + std::to_string(id), std::string(view(patch)));
      }
      return h.deliver(h.repo.update(std::string(view(coll)), id, expected, std::string(view(patch))), out);
    };
    api_.repo_delete = [](wno_host_ctx* c, wno_str coll, int64_t id) -> wno_status {
      auto& h = self(c);
      return h.deliver(h.repo.remove(std::string(view(coll)), id), nullptr);
    };
    api_.repo_count = [](wno_host_ctx* c, wno_str coll, wno_str q, int64_t* n) -> wno_status {
      auto& h = self(c);
      const FakeRepository::Outcome o = h.repo.count(std::string(view(coll)), std::string(view(q)));
      if (o.status == WNO_OK && n) *n = o.count;
      return h.deliver(o, nullptr);
    };
    api_.repo_create_many = [](wno_host_ctx* c, wno_str coll, wno_str rows, const wno_sink* out) -> wno_status {
      auto& h = self(c);
      return h.deliver(h.repo.createMany(std::string(view(coll)), std::string(view(rows))), out);
    };
    api_.repo_update_where = [](wno_host_ctx* c, wno_str coll, wno_str q, wno_str patch, const wno_sink* out,
                                int64_t* n) -> wno_status {
      auto& h = self(c);
      const FakeRepository::Outcome o =
          h.repo.updateWhere(std::string(view(coll)), std::string(view(q)), std::string(view(patch)));
      if (o.status == WNO_OK && n) *n = o.count;
      return h.deliver(o, out);
    };
    api_.repo_delete_where = [](wno_host_ctx* c, wno_str coll, wno_str q, const wno_sink* out,
                                int64_t* n) -> wno_status {
      auto& h = self(c);
      const FakeRepository::Outcome o = h.repo.removeWhere(std::string(view(coll)), std::string(view(q)));
      if (o.status == WNO_OK && n) *n = o.count;
      return h.deliver(o, out);
    };
  }
  void wireJobs() {
    api_.job_enqueue = [](wno_host_ctx* c, wno_str request, const wno_sink* out, int32_t* created) -> wno_status {
      auto& h = self(c);
      std::lock_guard lock(h.mutex_);
      h.enqueued.emplace_back(view(request));
      if (created) *created = 1;
      return out ? out->write(out->ctx, request.data, request.len) : WNO_OK;
    };
    // Every request is recorded and answered as a new job (201).
    api_.job_enqueue_many = [](wno_host_ctx* c, wno_str requests, const wno_sink* out) -> wno_status {
      auto& h = self(c);
      const auto all = nlohmann::json::parse(view(requests), nullptr, false);
      if (!all.is_array()) return WNO_ERR_INVALID;
      std::lock_guard lock(h.mutex_);
      for (const auto& request : all) {
        h.enqueued.push_back(request.dump());
        const std::string result = nlohmann::json{{"status", 201}, {"job", request}}.dump();
        if (out && out->write(out->ctx, result.data(), result.size()) != WNO_OK) return WNO_ERR_CANCELLED;
      }
      return WNO_OK;
    };
    api_.job_should_stop = [](wno_host_ctx* c, wno_str id) -> int32_t {
      auto& h = self(c);
      std::lock_guard lock(h.mutex_);
      return h.stopJobs.count(std::string(view(id))) ? 1 : 0;
    };
  }

  // Hands a FakeRepository outcome to the plugin as the host would.
  wno_status deliver(const FakeRepository::Outcome& o, const wno_sink* out) {
    if (o.status != WNO_OK) {
      if (!o.error.empty()) {
        std::lock_guard lock(mutex_);
        lastError_ = o.error;
      }
      return o.status;
    }
    for (const auto& row : o.rows) {
      if (!out || !out->write) continue;
      const wno_status s = out->write(out->ctx, row.data(), row.size());
      if (s != WNO_OK) return s;
    }
    return WNO_OK;
  }

  wno_host_api api_{};
  mutable std::mutex mutex_;
  std::string lastError_;
  std::vector<LogLine> logs_;
  std::map<std::string, MetricValue> metrics_;
  std::vector<TimingRecord> timings_;
};

// Runs a probe's check through the vtable and returns what it reported.
struct ProbeResult {
  wno_status status = WNO_OK;
  wno_health health = WNO_HEALTH_DOWN;
  double load = -1;
  std::string message;
  std::string detailsJson;
};

inline ProbeResult check(const Instance<wno_type_health_probe>& probe, int64_t timeoutMs = 1000) {
  ProbeResult r;
  wno_probe_sink sink{&r, [](void* c, const wno_probe_report* rep) {
                        auto* out = static_cast<ProbeResult*>(c);
                        out->health = rep->status;
                        out->load = rep->load;
                        out->message = std::string(view(rep->message));
                        out->detailsJson = std::string(view(rep->details_json));
                      }};
  r.status = probe.vtable().on_check(probe.self(), timeoutMs, &sink);
  return r;
}

// One job as the host would hand it to on_handle.
struct JobRun {
  std::string id = "job-1";
  std::string type;
  std::string queue = "default";
  std::string dataJson = "{}";
  uint32_t attempt = 1;
  uint32_t maxAttempts = 3;
  int64_t deadlineMs = 0;
};

// Runs a job handler through the vtable; returns the status and fills result.
inline wno_status handle(const Instance<wno_type_job_handler>& handler, const JobRun& run,
                         std::string* result = nullptr) {
  wno_job job{};
  job.struct_size = sizeof job;
  job.id = str(run.id);
  job.type = str(run.type);
  job.queue = str(run.queue);
  job.data_json = str(run.dataJson);
  job.attempt = run.attempt;
  job.max_attempts = run.maxAttempts;
  job.deadline_ms = run.deadlineMs;
  std::string out;
  wno_sink sink = sinkInto(out);
  const wno_status s = handler.vtable().on_handle(handler.self(), &job, &sink);
  if (result) *result = out;
  return s;
}

inline wno_status handle(const Instance<wno_type_job_handler>& handler, std::string_view type,
                         std::string_view dataJson, std::string* result = nullptr, uint32_t attempt = 1) {
  JobRun run;
  run.type = std::string(type);
  run.dataJson = std::string(dataJson);
  run.attempt = attempt;
  return handle(handler, run, result);
}

}  // namespace wno::sdk::testing
