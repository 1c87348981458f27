#include "cache/cache_service_internal.h"

#include "cache/coarse_clock.h"
#include "cache/deadline_window.h"
#include "common/clock.h"
#include "core/logger.h"
#include "services/call_deadline.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include <algorithm>
#include <chrono>

namespace wno::host {
namespace {

// A compute that ended with one of these got an answer from its source
// (not found, a bad key, a conflict); fail-safe covers only a source that
// failed: down, slow, overloaded or broken.
bool isAnswer(wno_status code) {
  return code == WNO_NOT_FOUND || code == WNO_ERR_INVALID || code == WNO_ERR_CONFLICT || code == WNO_ERR_PRECONDITION ||
         code == WNO_ERR_UNSUPPORTED;
}

wno_str view(std::string_view s) { return wno_str{s.data(), s.size()}; }

// Timing an L1 call costs as much as the call; 1 in 64 is plenty to see its
// distribution. Remote levels are timed on every call.
constexpr uint32_t kL1SampleMask = 63;
bool sampleL1() {
  thread_local uint32_t calls = 0;
  return (++calls & kL1SampleMask) == 0;
}

}  // namespace

struct CacheService::ListenerCtx {
  CacheService* service;
  size_t level;
};

CacheService::CacheService(std::vector<CacheLevel> levels, CacheServiceOptions options, HostServices& services)
    : options_(std::move(options)), services_(services), distributed_(options_.distributed) {
  for (size_t i = 0; i < levels.size(); ++i) {
    auto level = std::make_unique<Level>();
    level->name = levels[i].name;
    level->backend = std::move(levels[i].backend);
    registerLevelMetrics(*level, services_.metrics().registry());
    if (i > 0) {
      const int64_t ms = i < options_.levelTimeoutsMs.size() && options_.levelTimeoutsMs[i] > 0
                             ? options_.levelTimeoutsMs[i]
                             : kDefaultSoftTimeoutMs;
      level->timeoutNs = ms * 1'000'000;
    }
    if (i > 0 && options_.breakerEnabled) {
      // The registry lists it at /health and logs transitions; the cache
      // keeps its own per-level gauge for dashboards built on it.
      level->breaker = services_.breakers().create("cache " + level->name, "cache", options_.breaker);
      level->misses = std::make_unique<DeadlineWindow>(options_.breaker.window, options_.breaker.minimumCalls,
                                                       options_.breaker.failureRate);
      prometheus::Gauge* gauge = level->breakerState;
      level->breaker->addListener([gauge](BreakerState, BreakerState to) { gauge->Set(breakerStateValue(to)); });
    }
    levels_.push_back(std::move(level));
  }
  if (options_.distributed.enabled) {
    for (size_t i = levels_.size(); i-- > 1;) {
      const auto& vt = levels_[i]->backend->vtable();
      if (vt.on_try_lock != nullptr && vt.on_unlock != nullptr) {
        leaseLevel_ = levels_[i].get();
        break;
      }
    }
    if (leaseLevel_ == nullptr) {
      logWarn("cache",
              "single_flight.distributed is on, but no level after the first can lease keys across hosts "
              "(its backend needs on_try_lock/on_unlock, ABI 1.2): each host computes a missing key once",
              {});
    }
  }
  // Counters for the default and every configured region exist up front, so
  // the first requests do not all race to create them.
  counters("");
  for (const auto& [name, policy] : options_.regions) counters(name);
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
  services_.metrics().addCollectHook(this, [this] { refreshLevelGauges(); });
}

CacheService::~CacheService() {
  services_.metrics().removeCollectHooks(this);
  for (auto& level : levels_) {
    if (!level->listening) continue;
    level->backend->call("on_set_listener", level->backend->vtable().on_set_listener,
                         static_cast<const wno_cache_listener*>(nullptr));
  }
  for (ListenerCtx* ctx : listenerContexts_) delete ctx;
}

void CacheService::onRemoteEvent(size_t fromLevel, wno_cache_event event, const std::string& subject) {
  // Another host's invalidation supersedes this host's computes as its own
  // would (bumped before the copies below are deleted).
  switch (event) {
    case WNO_CACHE_EVENT_KEY: epochs_.keyInvalidated(subject); break;
    case WNO_CACHE_EVENT_TAG: epochs_.tagInvalidated(subject); break;
    case WNO_CACHE_EVENT_CLEAR: epochs_.regionCleared(); break;
    default: break;
  }
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

const RegionPolicy* CacheService::policyFor(std::string_view region) const {
  if (options_.regions.empty()) return nullptr;
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

int64_t CacheService::failSafeMsFor(std::string_view region) const {
  const RegionPolicy* policy = policyFor(region);
  return policy && policy->failSafeMs ? *policy->failSafeMs : options_.failSafeMs;
}

template <typename Fn>
Status CacheService::onLevel(Level& level, const char* op, bool deadline, Fn&& fn) {
  BreakerPermit permit;
  if (level.breaker && !(permit = level.breaker->allow())) {
    level.skipped->Increment();
    level.skippedCount.fetch_add(1, std::memory_order_relaxed);
    return Status(WNO_ERR_UNAVAILABLE, "circuit open for cache level " + level.name);
  }
  Status status;
  bool late = false;
  if (deadline && level.timeoutNs > 0) {
    CallDeadline::Scope scope(level.timeoutNs);
    status = fn();
    // A backend that ignores the deadline still answered too late for the
    // caller's budget: keep its answer (it is here now), but let the circuit
    // see it, so a consistently slow level is skipped instead of waited on.
    late = CallDeadline::nowNs() > scope.deadlineNs();
  } else {
    status = fn();
  }
  // NOT_FOUND is an answer, not a failure of the level.
  const bool failed = !status.isOk() && status.code() != WNO_NOT_FOUND;
  const bool missed = late || status.code() == WNO_ERR_TIMEOUT;
  if (missed) {
    level.timeouts->Increment();
    level.timeoutCount.fetch_add(1, std::memory_order_relaxed);
  }
  if (level.breaker) {
    // An error is the level's fault at once. A missed deadline may be this
    // host's: on a saturated machine the answer sits in the socket until
    // the thread gets a core, and tripping on that would send every read
    // to the database exactly when it can least afford it. So misses count
    // only once they are most calls of the recent window (a dead or
    // blackholed server), never for a few late answers.
    const bool erred = failed && status.code() != WNO_ERR_TIMEOUT;
    const bool missesCount = level.misses->record(missed);
    (erred || missesCount) ? level.breaker->onFailure(permit) : level.breaker->onSuccess(permit);
  }
  if (failed) {
    level.errors->Increment();
    level.errorCount.fetch_add(1, std::memory_order_relaxed);
    logDebug("cache", std::string("cache level ") + op + " failed", {{"level", level.name}, {"error", status.message()}});
  }
  return status;
}

namespace {

// What one level's on_get delivered, read straight out of the backend's
// bytes inside its sink: only the value is copied, plus (for a level that
// must fill the faster ones) the whole envelope.
struct LevelRead {
  bool keepRaw = false;
  bool found = false;
  bool foreign = false;  // bytes not written by a wno host
  int64_t logicalExpiresAtMs = 0;
  std::string region;  // region names are short: no allocation
  std::string value;
  std::string raw;

  static wno_status put(void* ctx, const wno_cache_entry* entry) {
    auto* self = static_cast<LevelRead*>(ctx);
    const std::string_view bytes(reinterpret_cast<const char*>(entry->value.data), entry->value.len);
    auto envelope = viewEnvelope(bytes, false);
    if (!envelope) {
      self->foreign = true;
      return WNO_OK;
    }
    self->found = true;
    self->logicalExpiresAtMs = envelope->logicalExpiresAtMs;
    self->region.assign(envelope->region);
    self->value.assign(envelope->value);
    if (self->keepRaw) self->raw.assign(bytes);
    return WNO_OK;
  }
};

}  // namespace

CacheService::Lookup CacheService::lookup(const std::string& key, const std::string& region, bool wantStale) {
  Lookup result;
  RegionCounters& c = counters(region);
  for (size_t i = 0; i < levels_.size(); ++i) {
    Level& level = *levels_[i];
    LevelRead read;
    read.keepRaw = i > 0;
    wno_cache_entry_sink sink{&read, &LevelRead::put};
    const bool timed = i > 0 || sampleL1();
    const int64_t started = timed ? CallDeadline::nowNs() : 0;
    Status status = onLevel(level, "get", true, [&] {
      return level.backend->call("on_get", level.backend->vtable().on_get, view(key), &sink);
    });
    if (timed) level.getLatency->Observe(static_cast<double>(CallDeadline::nowNs() - started) * 1e-9);
    if (!status.isOk() || !read.found) continue;  // foreign bytes: ignore rather than misread
    if (CoarseClock::before(read.logicalExpiresAtMs)) {
      c.hitsByLevel[i]->add();
      // Fill the faster levels; they keep the same logical expiry and grace.
      if (i > 0) {
        if (auto envelope = viewEnvelope(read.raw, true)) {
          writeBytes(key, read.raw, envelope->tags, read.region, read.logicalExpiresAtMs + failSafeMsFor(read.region),
                     i);
        }
      }
      result.fresh = std::move(read.value);
      return result;
    }
    // Only within the fail-safe window: a backend that keeps entries longer
    // than the physical expiry it was given must not resurrect them.
    if (wantStale && !result.stale && common::unixNowMs() <= read.logicalExpiresAtMs + failSafeMsFor(read.region)) {
      result.stale = std::move(read.value);
    }
  }
  return result;
}

CacheApi::LocalHit CacheService::peekLocal(const std::string& key, const std::string& region, std::string& value) {
  LocalHit hit;
  if (levels_.empty()) return hit;
  Level& level = *levels_.front();
  struct Read {
    std::string* value;
    int64_t expiresAtMs = 0;
    bool found = false;
  } read{&value};
  // The value is copied inside the backend's sink, straight into the
  // caller's buffer: a hit allocates nothing once that buffer has grown.
  wno_cache_entry_sink sink{&read, [](void* ctx, const wno_cache_entry* entry) -> wno_status {
                              auto* r = static_cast<Read*>(ctx);
                              auto envelope = viewEnvelope(
                                  std::string_view(reinterpret_cast<const char*>(entry->value.data), entry->value.len),
                                  false);
                              if (!envelope) return WNO_OK;
                              r->found = true;
                              r->expiresAtMs = envelope->logicalExpiresAtMs;
                              r->value->assign(envelope->value);
                              return WNO_OK;
                            }};
  // No breaker, no deadline: the first level is in-process (caching.md).
  Status status = level.backend->call("on_get", level.backend->vtable().on_get, view(key), &sink);
  if (!status.isOk() || !read.found || !CoarseClock::before(read.expiresAtMs)) return hit;
  counters(region).hitsByLevel[0]->add();
  hit.found = true;
  hit.expiresAtMs = read.expiresAtMs;
  return hit;
}

Result<std::optional<std::string>> CacheService::get(const std::string& key, const std::string& region) {
  Lookup found = lookup(key, region, false);
  if (found.fresh) return std::optional<std::string>(std::move(found.fresh));
  counters(region).misses->add();
  return std::optional<std::string>();
}

Status CacheService::writeBytes(const std::string& key, std::string_view bytes,
                                const std::vector<std::string_view>& tagViews, std::string_view region,
                                int64_t physicalExpiresAtMs, size_t uptoLevel) {
  std::vector<wno_str> tags;
  tags.reserve(tagViews.size());
  for (const auto& t : tagViews) tags.push_back(view(t));
  wno_cache_entry entry{};
  entry.struct_size = sizeof entry;
  entry.value = wno_bytes{reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()};
  entry.expires_at_ms = physicalExpiresAtMs;
  entry.tags = tags.data();
  entry.tag_count = tags.size();
  entry.region = view(region);
  Status l1;
  // Slowest level first: another host that reads our backplane event must
  // find the new value in the shared level, not the old one.
  for (size_t i = std::min(uptoLevel, levels_.size()); i-- > 0;) {
    Level& level = *levels_[i];
    const bool timed = i > 0 || sampleL1();
    const int64_t started = timed ? CallDeadline::nowNs() : 0;
    Status status = onLevel(level, "set", true, [&] {
      return level.backend->call("on_set", level.backend->vtable().on_set, view(key), &entry);
    });
    if (timed) level.setLatency->Observe(static_cast<double>(CallDeadline::nowNs() - started) * 1e-9);
    if (i == 0) l1 = status;
  }
  // Only an L1 failure reaches the caller; shared levels degrade silently.
  return l1;
}

Status CacheService::set(const std::string& key, std::string value, const CacheWrite& options) {
  CacheEnvelope envelope;
  const double multiplier = ttlMultiplier(options.region);
  const int64_t ttl = effectiveTtlMs(options.ttlMs, options.region);
  envelope.logicalExpiresAtMs = common::unixNowMs() + ttl;
  envelope.region = options.region;
  envelope.tags = options.tags;
  envelope.value = std::move(value);
  counters(options.region).multiplierMetric->Set(multiplier);
  const std::string bytes = encodeEnvelope(envelope);
  std::vector<std::string_view> tags(options.tags.begin(), options.tags.end());
  return writeBytes(key, bytes, tags, options.region, envelope.logicalExpiresAtMs + failSafeMsFor(options.region),
                    levels_.size());
}

Status CacheService::remove(const std::string& key) {
  epochs_.keyInvalidated(key);
  bool removed = false;
  Status l1;
  for (size_t i = levels_.size(); i-- > 0;) {
    Level& level = *levels_[i];
    Status status = onLevel(level, "delete", true, [&] {
      return level.backend->call("on_delete", level.backend->vtable().on_delete, view(key));
    });
    if (status.isOk()) removed = true;
    if (i == 0 && !status.isOk() && status.code() != WNO_NOT_FOUND) l1 = status;
  }
  if (!l1.isOk()) return l1;
  return removed ? Status::ok() : Status(WNO_NOT_FOUND, "no such key");
}

Result<uint64_t> CacheService::invalidateTag(const std::string& tag) {
  epochs_.tagInvalidated(tag);
  uint64_t most = 0;
  Status l1;
  for (size_t i = levels_.size(); i-- > 0;) {
    Level& level = *levels_[i];
    uint64_t removed = 0;
    // No soft deadline: a tag may cover a great many entries, and a caller
    // that invalidates wants it done rather than abandoned half way.
    Status status = onLevel(level, "invalidate_tag", false, [&] {
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
  epochs_.regionCleared();
  Status l1;
  for (size_t i = levels_.size(); i-- > 0;) {
    Level& level = *levels_[i];
    Status status = onLevel(level, "clear", false, [&] {
      return level.backend->call("on_clear", level.backend->vtable().on_clear, view(region));
    });
    if (i == 0) l1 = status;
  }
  return l1;
}

Result<std::string> CacheService::getOrCompute(const std::string& key, const CacheWrite& options,
                                               const std::function<Result<std::string>()>& compute) {
  RegionCounters& c = counters(options.region);
  Lookup found = lookup(key, options.region, true);
  if (found.fresh) return std::move(*found.fresh);

  auto guardedCompute = [&]() -> Result<std::string> {
    c.computes->add();
    try {
      return compute();
    } catch (const std::exception& e) {
      return Status(WNO_ERR_INTERNAL, std::string("compute threw: ") + e.what());
    } catch (...) {
      return Status(WNO_ERR_INTERNAL, "compute threw");
    }
  };
  // Runs on this host's leader of the key only; it writes every level, so
  // the value is in the shared level before a lease on the key is released.
  auto computeAndStore = [&]() -> Result<std::string> {
    Result<std::string> result = Status(WNO_ERR_INTERNAL, "compute failed");
    // A value computed while its key or a tag was invalidated may predate
    // the write behind that invalidation. Compute again rather than hand it
    // on: callers that joined this flight after the write must see it too.
    // Past kComputeAttempts (a key written without pause) the last value is
    // answered but not stored.
    constexpr int kComputeAttempts = 3;
    for (int attempt = 0; attempt < kComputeAttempts; ++attempt) {
      const uint64_t mark = epochs_.mark(key, options.tags);
      result = guardedCompute();
      if (!result.isOk() || storeIfCurrent(mark, key, result.value(), options)) break;
      c.superseded->add();
    }
    if (result.isOk()) return result;
    if (isAnswer(result.status().code())) {
      // The source answered, e.g. the row is gone: a stale copy would now
      // contradict it, so drop that instead of serving it.
      if (found.stale) remove(key);
    } else {
      c.computeErrors->add();
    }
    return result;
  };
  SingleFlight::Outcome outcome =
      flights_.run(key, std::chrono::milliseconds(options_.joinTimeoutMs), [&]() -> Result<std::string> {
        // A caller that missed just before the previous leader of this key
        // stored its value and finished would compute it again: look in L1
        // once more (in-process, cheap) before leading a computation.
        std::string stored;
        if (peekLocal(key, options.region, stored).found) {
          c.hitsByLevel[0]->add();
          return stored;
        }
        c.misses->add();
        if (leaseLevel_ == nullptr) return computeAndStore();
        DistributedFlight::Outcome shared = distributed_.run(key, leaseFor(key, options.region), computeAndStore);
        if (shared.waited) c.remoteWaits->add();
        if (shared.waitedOut) c.remoteWaitsOut->add();
        if (shared.source == DistributedFlight::Source::FoundShared) c.remoteJoins->add();
        return std::move(shared.value);
      });
  if (outcome.role != SingleFlight::Role::Led) c.joins->add();
  Result<std::string>& result = outcome.value;
  if (!result.isOk() && !isAnswer(result.status().code()) && found.stale) {
    // Fail-safe: the backend kept the value past its TTL for this grace;
    // serve it rather than the error (a joiner that gave up waiting too).
    c.staleServed->add();
    logWarn("cache", "serving stale value: " + result.status().message(), {{"region", regionLabel(options.region)}});
    return std::move(*found.stale);
  }
  return std::move(result);
}

bool CacheService::storeIfCurrent(uint64_t mark, const std::string& key, std::string value,
                                  const CacheWrite& options, Status* stored) {
  if (epochs_.mark(key, options.tags) != mark) return false;
  Status status = set(key, std::move(value), options);
  if (stored) *stored = status;
  // An invalidation that bumped after the check above may have deleted
  // before this set wrote: the value would outlive it. Undo the set.
  if (epochs_.mark(key, options.tags) != mark) {
    remove(key);
    return false;
  }
  return true;
}

uint64_t CacheService::invalidationMark(const std::string& key, const CacheWrite& options) const {
  return epochs_.mark(key, options.tags);
}

bool CacheService::setUnlessInvalidatedSince(uint64_t mark, const std::string& key, std::string value,
                                             const CacheWrite& options) {
  Status stored;
  if (!storeIfCurrent(mark, key, std::move(value), options, &stored)) {
    counters(options.region).superseded->add();
    return false;
  }
  return stored.isOk();
}

SharedLease CacheService::leaseFor(const std::string& key, const std::string& region) {
  Level* level = leaseLevel_;
  SharedLease lease;
  lease.tryLock = [level, this](const std::string& name, const std::string& token, int64_t leaseMs) -> Result<bool> {
    int32_t acquired = 0;
    Status status = onLevel(*level, "lock", true, [&] {
      return level->backend->call("on_try_lock", level->backend->vtable().on_try_lock, view(name), view(token), leaseMs,
                                 &acquired);
    });
    if (!status.isOk()) return status;
    return acquired != 0;
  };
  lease.unlock = [level, this](const std::string& name, const std::string& token) {
    onLevel(*level, "unlock", true, [&] {
      return level->backend->call("on_unlock", level->backend->vtable().on_unlock, view(name), view(token));
    });
  };
  lease.findShared = [this, key, region]() { return lookup(key, region, false).fresh; };
  return lease;
}

}  // namespace wno::host
