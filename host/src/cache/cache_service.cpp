#include "cache/cache_service.h"

#include "core/logger.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include <chrono>

namespace wno::host {
namespace {

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

wno_str view(const std::string& s) { return wno_str{s.data(), s.size()}; }

const std::string& regionLabel(const std::string& region) {
  static const std::string fallback = "default";
  return region.empty() ? fallback : region;
}

std::optional<BreakerOptions> breakerFrom(const nlohmann::json& b) {
  BreakerOptions o;
  o.failureThreshold = b.value("failure_threshold", o.failureThreshold);
  o.failureRate = b.value("failure_rate", o.failureRate);
  o.window = b.value("window", o.window);
  o.minimumCalls = b.value("minimum_calls", o.minimumCalls);
  o.openFor = std::chrono::milliseconds(b.value("open_ms", static_cast<int64_t>(o.openFor.count())));
  o.halfOpenCalls = b.value("half_open_calls", o.halfOpenCalls);
  return o;
}

}  // namespace

std::optional<CacheServiceOptions> cacheOptionsFrom(const nlohmann::json& cache, std::string& error) {
  CacheServiceOptions o;
  o.defaultTtlMs = cache.value("default_ttl_ms", o.defaultTtlMs);
  const auto& adaptive = cache.value("adaptive_ttl", nlohmann::json::object());
  o.adaptiveTtl = adaptive.value("enabled", false);
  if (adaptive.contains("curve")) {
    auto curve = TtlCurve::fromJson(adaptive["curve"], error);
    if (!curve) {
      error = "/cache/adaptive_ttl/curve" + error;
      return std::nullopt;
    }
    o.curve = *curve;
  }
  const auto& failSafe = cache.value("fail_safe", nlohmann::json::object());
  o.failSafeMs = failSafe.value("enabled", false) ? failSafe.value("max_stale_ms", int64_t{300000}) : 0;
  o.breaker = *breakerFrom(cache.value("breaker", nlohmann::json::object()));
  // Bound to a local: items() on the temporary value() returns would dangle.
  const nlohmann::json regions = cache.value("regions", nlohmann::json::object());
  for (const auto& [name, r] : regions.items()) {
    RegionPolicy policy;
    policy.ttlMs = r.value("ttl_ms", int64_t{0});
    if (r.contains("adaptive_ttl") && r["adaptive_ttl"].contains("curve")) {
      auto curve = TtlCurve::fromJson(r["adaptive_ttl"]["curve"], error);
      if (!curve) {
        error = "/cache/regions/" + name + "/adaptive_ttl/curve" + error;
        return std::nullopt;
      }
      policy.curve = *curve;
    }
    if (r.contains("fail_safe_ms")) policy.failSafeMs = r["fail_safe_ms"].get<int64_t>();
    o.regions.emplace(name, std::move(policy));
  }
  return o;
}

struct LevelGauges {
  prometheus::Gauge* entries = nullptr;
  prometheus::Gauge* bytes = nullptr;
  prometheus::Gauge* evictions = nullptr;
};

struct CacheService::Level {
  std::string name;
  std::unique_ptr<CacheBackendInstance> backend;
  std::unique_ptr<CircuitBreaker> breaker;  // null for L1: it is in-process and cannot be "down"
  prometheus::Counter* errors = nullptr;
  prometheus::Counter* skipped = nullptr;
  prometheus::Gauge* breakerState = nullptr;
  prometheus::Histogram* getLatency = nullptr;
  prometheus::Histogram* setLatency = nullptr;
  LevelGauges gauges;
  bool listening = false;
};

struct CacheService::RegionCounters {
  std::atomic<uint64_t> hits{0}, misses{0}, staleServed{0}, computes{0}, computeErrors{0}, joins{0};
  std::vector<prometheus::Counter*> hitsByLevel;
  prometheus::Counter* missesMetric = nullptr;
  prometheus::Counter* staleMetric = nullptr;
  prometheus::Counter* computesMetric = nullptr;
  prometheus::Counter* computeErrorsMetric = nullptr;
  prometheus::Counter* joinsMetric = nullptr;
  prometheus::Gauge* multiplierMetric = nullptr;
};

struct CacheService::ListenerCtx {
  CacheService* service;
  size_t level;
};

struct CacheService::Flight {
  std::mutex mutex;
  std::condition_variable done;
  bool finished = false;
  Result<std::string> result{Status(WNO_ERR_INTERNAL, "compute did not finish")};
};

CacheService::CacheService(std::vector<CacheLevel> levels, CacheServiceOptions options, HostServices& services)
    : options_(std::move(options)), services_(services) {
  auto& registry = services_.metrics().registry();
  auto& errors = prometheus::BuildCounter().Name("wno_cache_level_errors_total")
                     .Help("Cache backend calls that failed, by level").Register(registry);
  auto& skipped = prometheus::BuildCounter().Name("wno_cache_level_skipped_total")
                      .Help("Cache backend calls skipped because the level's circuit is open").Register(registry);
  auto& breaker = prometheus::BuildGauge().Name("wno_cache_breaker_state")
                      .Help("Cache level circuit: 0 closed, 1 open, 2 half-open").Register(registry);
  auto& latency = prometheus::BuildHistogram().Name("wno_cache_operation_duration_seconds")
                      .Help("Cache backend call duration by level and operation").Register(registry);
  for (size_t i = 0; i < levels.size(); ++i) {
    auto level = std::make_unique<Level>();
    level->name = levels[i].name;
    level->backend = std::move(levels[i].backend);
    level->errors = &errors.Add({{"level", level->name}});
    level->skipped = &skipped.Add({{"level", level->name}});
    level->breakerState = &breaker.Add({{"level", level->name}});
    level->getLatency = &latency.Add({{"level", level->name}, {"op", "get"}}, Metrics::latencyBuckets());
    level->setLatency = &latency.Add({{"level", level->name}, {"op", "set"}}, Metrics::latencyBuckets());
    level->gauges.entries = &prometheus::BuildGauge().Name("wno_cache_entries").Help("Entries held by a cache level")
                                 .Register(registry).Add({{"level", level->name}});
    level->gauges.bytes = &prometheus::BuildGauge().Name("wno_cache_bytes").Help("Bytes held by a cache level")
                               .Register(registry).Add({{"level", level->name}});
    // A gauge mirroring the backend's own cumulative count (read from its stats).
    level->gauges.evictions = &prometheus::BuildGauge().Name("wno_cache_evictions")
                                   .Help("Entries a cache level evicted to stay within its bounds, since start")
                                   .Register(registry).Add({{"level", level->name}});
    if (i > 0) {
      level->breaker = std::make_unique<CircuitBreaker>("cache " + level->name, options_.breaker);
      prometheus::Gauge* gauge = level->breakerState;
      const std::string name = level->name;
      level->breaker->setListener([gauge, name](BreakerState from, BreakerState to) {
        gauge->Set(to == BreakerState::Closed ? 0 : to == BreakerState::Open ? 1 : 2);
        logWarn("cache", "cache level circuit " + std::string(breakerStateName(from)) + " -> " + breakerStateName(to),
                {{"level", name}});
      });
    }
    levels_.push_back(std::move(level));
  }
  // Backplane: a shared level reports other hosts' changes; evict the copies
  // held by the faster levels in front of it.
  for (size_t i = 1; i < levels_.size(); ++i) {
    const auto& vt = levels_[i]->backend->vtable();
    if (vt.on_set_listener == nullptr) continue;
    auto* ctx = new ListenerCtx{this, i};
    wno_cache_listener listener{ctx, [](void* c, wno_cache_event event, wno_str subject) {
                                  auto* l = static_cast<ListenerCtx*>(c);
                                  try {
                                    l->service->onRemoteEvent(l->level, event, std::string(subject.data, subject.len));
                                  } catch (...) {
                                    // Never let an exception unwind into the plugin's thread.
                                  }
                                }};
    Status status = levels_[i]->backend->call("on_set_listener", vt.on_set_listener, &listener);
    if (status.isOk()) {
      levels_[i]->listening = true;
      listenerContexts_.push_back(ctx);
    } else {
      delete ctx;
      logWarn("cache", "backplane unavailable: " + status.message(), {{"level", levels_[i]->name}});
    }
  }
}

CacheService::~CacheService() {
  for (auto& level : levels_) {
    if (!level->listening) continue;
    level->backend->call("on_set_listener", level->backend->vtable().on_set_listener,
                         static_cast<const wno_cache_listener*>(nullptr));
  }
  for (ListenerCtx* ctx : listenerContexts_) delete ctx;
}

void CacheService::onRemoteEvent(size_t fromLevel, wno_cache_event event, const std::string& subject) {
  for (size_t i = 0; i < fromLevel && i < levels_.size(); ++i) {
    auto& level = *levels_[i];
    const auto& vt = level.backend->vtable();
    uint64_t removed = 0;
    switch (event) {
      case WNO_CACHE_EVENT_KEY: level.backend->call("on_delete", vt.on_delete, view(subject)); break;
      case WNO_CACHE_EVENT_TAG: level.backend->call("on_invalidate_tag", vt.on_invalidate_tag, view(subject), &removed); break;
      case WNO_CACHE_EVENT_CLEAR: level.backend->call("on_clear", vt.on_clear, view(subject)); break;
      default: break;
    }
  }
}

CacheService::RegionCounters& CacheService::counters(const std::string& region) {
  {
    std::shared_lock lock(countersMutex_);
    auto it = counters_.find(region);
    if (it != counters_.end()) return *it->second;
  }
  std::unique_lock lock(countersMutex_);
  auto& slot = counters_[region];
  if (slot) return *slot;
  slot = std::make_unique<RegionCounters>();
  auto& registry = services_.metrics().registry();
  const std::string& label = regionLabel(region);
  auto& hits = prometheus::BuildCounter().Name("wno_cache_hits_total").Help("Cache hits by level and region").Register(registry);
  for (const auto& level : levels_) slot->hitsByLevel.push_back(&hits.Add({{"level", level->name}, {"region", label}}));
  slot->missesMetric = &prometheus::BuildCounter().Name("wno_cache_misses_total").Help("Cache misses (no fresh value at any level) by region").Register(registry).Add({{"region", label}});
  slot->staleMetric = &prometheus::BuildCounter().Name("wno_cache_stale_served_total").Help("Stale values served because recomputing failed").Register(registry).Add({{"region", label}});
  slot->computesMetric = &prometheus::BuildCounter().Name("wno_cache_computes_total").Help("get-or-compute factory runs by region").Register(registry).Add({{"region", label}});
  slot->computeErrorsMetric = &prometheus::BuildCounter().Name("wno_cache_compute_errors_total").Help("get-or-compute factory failures by region").Register(registry).Add({{"region", label}});
  slot->joinsMetric = &prometheus::BuildCounter().Name("wno_cache_singleflight_joins_total").Help("Callers that waited for another caller's compute").Register(registry).Add({{"region", label}});
  slot->multiplierMetric = &prometheus::BuildGauge().Name("wno_cache_ttl_multiplier").Help("TTL multiplier applied to the last write, by region").Register(registry).Add({{"region", label}});
  slot->multiplierMetric->Set(1.0);
  return *slot;
}

const RegionPolicy* CacheService::policyFor(const std::string& region) const {
  auto it = options_.regions.find(region);
  return it == options_.regions.end() ? nullptr : &it->second;
}

double CacheService::ttlMultiplier(const std::string& region) const {
  if (!options_.adaptiveTtl) return 1.0;
  const RegionPolicy* policy = policyFor(region);
  const TtlCurve& curve = policy && policy->curve ? *policy->curve : options_.curve;
  return curve.multiplier(services_.loadFactor());
}

int64_t CacheService::effectiveTtlMs(int64_t requestedMs, const std::string& region) const {
  int64_t base = requestedMs;
  if (base <= 0) {
    const RegionPolicy* policy = policyFor(region);
    base = policy && policy->ttlMs > 0 ? policy->ttlMs : options_.defaultTtlMs;
  }
  return static_cast<int64_t>(static_cast<double>(base) * ttlMultiplier(region));
}

int64_t CacheService::failSafeMsFor(const std::string& region) const {
  const RegionPolicy* policy = policyFor(region);
  return policy && policy->failSafeMs ? *policy->failSafeMs : options_.failSafeMs;
}

template <typename Fn>
Status CacheService::onLevel(Level& level, const char* op, Fn&& fn) {
  if (level.breaker && !level.breaker->allow()) {
    level.skipped->Increment();
    return Status(WNO_ERR_UNAVAILABLE, "circuit open for cache level " + level.name);
  }
  Status status = fn();
  // NOT_FOUND is an answer, not a failure of the level.
  const bool failed = !status.isOk() && status.code() != WNO_NOT_FOUND;
  if (level.breaker) failed ? level.breaker->onFailure() : level.breaker->onSuccess();
  if (failed) {
    level.errors->Increment();
    logDebug("cache", std::string("cache level ") + op + " failed", {{"level", level.name}, {"error", status.message()}});
  }
  return status;
}

CacheService::Lookup CacheService::lookup(const std::string& key, const std::string& region) {
  Lookup result;
  const int64_t now = nowMs();
  RegionCounters& c = counters(region);
  for (size_t i = 0; i < levels_.size(); ++i) {
    Level& level = *levels_[i];
    std::string bytes;
    wno_cache_entry_sink sink{&bytes, [](void* ctx, const wno_cache_entry* entry) -> wno_status {
                                static_cast<std::string*>(ctx)->assign(
                                    reinterpret_cast<const char*>(entry->value.data), entry->value.len);
                                return WNO_OK;
                              }};
    const auto started = std::chrono::steady_clock::now();
    Status status = onLevel(level, "get", [&] {
      return level.backend->call("on_get", level.backend->vtable().on_get, view(key), &sink);
    });
    level.getLatency->Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    if (!status.isOk()) continue;
    auto envelope = decodeEnvelope(bytes);
    if (!envelope) continue;  // not written by a wno host: ignore rather than misread
    if (envelope->logicalExpiresAtMs > now) {
      c.hits.fetch_add(1, std::memory_order_relaxed);
      c.hitsByLevel[i]->Increment();
      // Fill the faster levels; they keep the same logical expiry and grace.
      if (i > 0) {
        writeEnvelope(key, *envelope, envelope->logicalExpiresAtMs + failSafeMsFor(envelope->region), i);
      }
      result.fresh = std::move(envelope);
      return result;
    }
    // Only within the fail-safe window: a backend that keeps entries longer
    // than the physical expiry it was given must not resurrect them.
    if (!result.stale && now <= envelope->logicalExpiresAtMs + failSafeMsFor(envelope->region)) {
      result.stale = std::move(envelope);
    }
  }
  return result;
}

Result<std::optional<std::string>> CacheService::get(const std::string& key, const std::string& region) {
  Lookup found = lookup(key, region);
  if (found.fresh) return std::optional<std::string>(std::move(found.fresh->value));
  RegionCounters& c = counters(region);
  c.misses.fetch_add(1, std::memory_order_relaxed);
  c.missesMetric->Increment();
  return std::optional<std::string>();
}

Status CacheService::writeEnvelope(const std::string& key, const CacheEnvelope& envelope, int64_t physicalExpiresAtMs,
                                   size_t uptoLevel) {
  const std::string bytes = encodeEnvelope(envelope);
  std::vector<wno_str> tags;
  for (const auto& t : envelope.tags) tags.push_back(view(t));
  wno_cache_entry entry{};
  entry.struct_size = sizeof entry;
  entry.value = wno_bytes{reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()};
  entry.expires_at_ms = physicalExpiresAtMs;
  entry.tags = tags.data();
  entry.tag_count = tags.size();
  entry.region = view(envelope.region);
  Status l1;
  // Slowest level first: another host that reads our backplane event must
  // find the new value in the shared level, not the old one.
  for (size_t i = std::min(uptoLevel, levels_.size()); i-- > 0;) {
    Level& level = *levels_[i];
    const auto started = std::chrono::steady_clock::now();
    Status status = onLevel(level, "set", [&] {
      return level.backend->call("on_set", level.backend->vtable().on_set, view(key), &entry);
    });
    level.setLatency->Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    if (i == 0) l1 = status;
  }
  // Only an L1 failure reaches the caller; shared levels degrade silently.
  return l1;
}

Status CacheService::set(const std::string& key, std::string value, const CacheWrite& options) {
  CacheEnvelope envelope;
  const int64_t ttl = effectiveTtlMs(options.ttlMs, options.region);
  envelope.logicalExpiresAtMs = nowMs() + ttl;
  envelope.region = options.region;
  envelope.tags = options.tags;
  envelope.value = std::move(value);
  counters(options.region).multiplierMetric->Set(ttlMultiplier(options.region));
  return writeEnvelope(key, envelope, envelope.logicalExpiresAtMs + failSafeMsFor(options.region), levels_.size());
}

Status CacheService::remove(const std::string& key) {
  bool removed = false;
  Status l1;
  for (size_t i = levels_.size(); i-- > 0;) {
    Level& level = *levels_[i];
    Status status = onLevel(level, "delete", [&] {
      return level.backend->call("on_delete", level.backend->vtable().on_delete, view(key));
    });
    if (status.isOk()) removed = true;
    if (i == 0 && !status.isOk() && status.code() != WNO_NOT_FOUND) l1 = status;
  }
  if (!l1.isOk()) return l1;
  return removed ? Status::ok() : Status(WNO_NOT_FOUND, "no such key");
}

Result<uint64_t> CacheService::invalidateTag(const std::string& tag) {
  uint64_t most = 0;
  Status l1;
  for (size_t i = levels_.size(); i-- > 0;) {
    Level& level = *levels_[i];
    uint64_t removed = 0;
    Status status = onLevel(level, "invalidate_tag", [&] {
      return level.backend->call("on_invalidate_tag", level.backend->vtable().on_invalidate_tag, view(tag), &removed);
    });
    if (i == 0 && !status.isOk()) l1 = status;
    // Levels hold overlapping copies: the largest count is the number of
    // distinct entries invalidated.
    most = std::max(most, removed);
  }
  if (!l1.isOk()) return l1;
  return most;
}

Status CacheService::invalidateRegion(const std::string& region) {
  Status l1;
  for (size_t i = levels_.size(); i-- > 0;) {
    Level& level = *levels_[i];
    Status status = onLevel(level, "clear", [&] {
      return level.backend->call("on_clear", level.backend->vtable().on_clear, view(region));
    });
    if (i == 0) l1 = status;
  }
  return l1;
}

Result<std::string> CacheService::getOrCompute(const std::string& key, const CacheWrite& options,
                                               const std::function<Result<std::string>()>& compute) {
  RegionCounters& c = counters(options.region);
  Lookup found = lookup(key, options.region);
  if (found.fresh) return std::move(found.fresh->value);

  std::shared_ptr<Flight> flight;
  bool leader = false;
  {
    std::lock_guard lock(flightsMutex_);
    auto [it, inserted] = flights_.try_emplace(key, nullptr);
    if (inserted) it->second = std::make_shared<Flight>();
    flight = it->second;
    leader = inserted;
  }
  if (!leader) {
    c.joins.fetch_add(1, std::memory_order_relaxed);
    c.joinsMetric->Increment();
    std::unique_lock lock(flight->mutex);
    flight->done.wait(lock, [&] { return flight->finished; });
    return flight->result;
  }

  c.misses.fetch_add(1, std::memory_order_relaxed);
  c.missesMetric->Increment();
  c.computes.fetch_add(1, std::memory_order_relaxed);
  c.computesMetric->Increment();
  Result<std::string> result = Status(WNO_ERR_INTERNAL, "compute failed");
  try {
    result = compute();
  } catch (const std::exception& e) {
    result = Status(WNO_ERR_INTERNAL, std::string("compute threw: ") + e.what());
  } catch (...) {
    result = Status(WNO_ERR_INTERNAL, "compute threw");
  }
  if (result.isOk()) {
    set(key, result.value(), options);
  } else {
    c.computeErrors.fetch_add(1, std::memory_order_relaxed);
    c.computeErrorsMetric->Increment();
    if (found.stale) {
      // Fail-safe: the backend kept the value past its TTL for this grace;
      // serve it rather than the error.
      c.staleServed.fetch_add(1, std::memory_order_relaxed);
      c.staleMetric->Increment();
      logWarn("cache", "serving stale value: " + result.status().message(), {{"region", regionLabel(options.region)}});
      result = std::move(found.stale->value);
    }
  }
  {
    std::lock_guard lock(flightsMutex_);
    flights_.erase(key);
  }
  {
    std::lock_guard lock(flight->mutex);
    flight->result = result;
    flight->finished = true;
  }
  flight->done.notify_all();
  return result;
}

void CacheService::refreshLevelGauges() {
  const nlohmann::json all = stats();
  for (size_t i = 0; i < levels_.size() && i < all["levels"].size(); ++i) {
    const auto& s = all["levels"][i]["stats"];
    auto mirror = [&](prometheus::Gauge* g, const char* key) {
      if (s.contains(key) && s[key].is_number()) g->Set(s[key].get<double>());
    };
    mirror(levels_[i]->gauges.entries, "entries");
    mirror(levels_[i]->gauges.bytes, "bytes");
    mirror(levels_[i]->gauges.evictions, "evictions");
  }
}

nlohmann::json CacheService::stats() const {
  nlohmann::json levels = nlohmann::json::array();
  for (const auto& level : levels_) {
    std::string text;
    wno_sink sink{&text, [](void* ctx, const char* data, size_t len) -> wno_status {
                    static_cast<std::string*>(ctx)->assign(data, len);
                    return WNO_OK;
                  }};
    Status status = level->backend->call("on_stats", level->backend->vtable().on_stats, &sink);
    nlohmann::json stats = status.isOk() ? nlohmann::json::parse(text, nullptr, false)
                                         : nlohmann::json{{"error", status.message()}};
    if (stats.is_discarded()) stats = {{"error", "backend returned invalid JSON stats"}};
    levels.push_back({{"name", level->name},
                      {"backend", level->backend->type().name},
                      {"circuit", level->breaker ? breakerStateName(level->breaker->state()) : "none"},
                      {"backplane", level->listening},
                      {"stats", stats}});
  }
  nlohmann::json regions = nlohmann::json::object();
  {
    std::shared_lock lock(countersMutex_);
    for (const auto& [name, c] : counters_) {
      regions[regionLabel(name)] = {{"hits", c->hits.load()},
                                    {"misses", c->misses.load()},
                                    {"stale_served", c->staleServed.load()},
                                    {"computes", c->computes.load()},
                                    {"compute_errors", c->computeErrors.load()},
                                    {"singleflight_joins", c->joins.load()},
                                    {"ttl_multiplier", ttlMultiplier(name)}};
    }
  }
  return {{"levels", levels},
          {"regions", regions},
          {"load_factor", services_.loadFactor()},
          {"adaptive_ttl", {{"enabled", options_.adaptiveTtl}, {"curve", options_.curve.toJson()}, {"multiplier", ttlMultiplier("")}}},
          {"fail_safe_ms", options_.failSafeMs}};
}

}  // namespace wno::host
