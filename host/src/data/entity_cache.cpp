#include "data/entity_cache.h"

#include "cache/coarse_clock.h"
#include "core/fnv1a.h"
#include "core/logger.h"
#include "data/row_text.h"

#include <charconv>
#include <cstdio>

namespace wno::host::data {
namespace {

// ETags of unversioned rows and pages: a hash of their content (formatted
// in place: this runs for every page served).
std::string hashTag(std::string_view text) {
  char buffer[24];
  std::snprintf(buffer, sizeof buffer, "\"h%016llx\"", static_cast<unsigned long long>(fnv1a64(text)));
  return buffer;
}

}  // namespace

EntityCache::EntityCache(CacheApi* cache, Loader load, EagerRefreshOptions eager)
    : cache_(cache), load_(std::move(load)) {
  if (!cache_) eager.enabled = false;
  refresher_ = std::make_unique<EagerRefresher>(eager);
}

std::string EntityCache::frame(std::string_view etag, std::string_view body) {
  std::string framed;
  framed.reserve(etag.size() + 1 + body.size());
  framed.append(etag).append(1, '\n').append(body);
  return framed;
}

EntityCache::Framed EntityCache::unframe(std::string_view framed) {
  const auto nl = framed.find('\n');
  if (nl == std::string_view::npos) return {{}, framed};
  return {framed.substr(0, nl), framed.substr(nl + 1)};
}

std::string EntityCache::entityKey(const Collection& c, int64_t id) {
  return "entity:" + c.name + ":" + std::to_string(id);
}

CacheWrite EntityCache::write(const Collection& c, std::string tag) const {
  CacheWrite w{c.cache.ttlMs, {c.name, std::move(tag)}, c.cache.region};
  for (const auto& t : c.cache.tags) w.tags.push_back(t);
  return w;
}

std::string EntityCache::etagOfRow(const Collection& c, std::string_view row) {
  if (c.versioned) {
    if (auto version = intMember(row, "version")) return "\"v" + std::to_string(*version) + "\"";
  }
  return hashTag(row);
}

std::string EntityCache::etagOfBody(std::string_view body) { return hashTag(body); }

Result<std::string> EntityCache::loadFramed(const Collection& c, int64_t id) {
  auto row = load_(c, id);
  if (!row.isOk()) return row.status();
  if (!row.value()) return Status(WNO_NOT_FOUND, c.name + " " + std::to_string(id) + " does not exist");
  return frame(etagOfRow(c, *row.value()), *row.value());
}

bool EntityCache::peekEntity(const Collection& c, int64_t id, std::string& framed) {
  if (!enabled(c)) return false;
  // The key is built in a buffer each thread keeps: a hit allocates nothing.
  thread_local std::string key;
  key.assign("entity:").append(c.name).append(1, ':');
  char digits[24];
  key.append(digits, std::to_chars(digits, digits + sizeof digits, id).ptr);
  const auto hit = cache_->peekLocal(key, c.cache.region, framed);
  if (!hit.found) return false;
  if (refresher_->due(hit.expiresAtMs, cache_->effectiveTtlMs(c.cache.ttlMs, c.cache.region), CoarseClock::nowMs())) {
    const int64_t seen = hit.expiresAtMs;
    refresher_->submit(key, [this, &c, id, seen] { refresh(c, id, seen); });
  }
  return true;
}

void EntityCache::refresh(const Collection& c, int64_t id, int64_t seenExpiresAtMs) {
  const std::string key = entityKey(c, id);
  const CacheWrite options = write(c, entityTag(c, id));
  // Taken before the read: a write's invalidation after it means the row
  // read may predate that write.
  const uint64_t mark = cache_->invalidationMark(key, options);
  auto framed = loadFramed(c, id);
  if (!framed.isOk()) {
    if (framed.status().code() == WNO_NOT_FOUND) {
      // The source answered: the row is gone behind the host's back.
      cache_->remove(key);
      return;
    }
    // The current value keeps being served until its TTL (and fail-safe).
    failed_.fetch_add(1, std::memory_order_relaxed);
    logDebug("data", "eager refresh failed", {{"key", key}, {"error", framed.status().message()}});
    return;
  }
  // Another reader may have stored a newer copy meanwhile (a set, which the
  // mark does not see): leave that one.
  std::string current;
  const auto hit = cache_->peekLocal(key, c.cache.region, current);
  if (!hit.found || hit.expiresAtMs != seenExpiresAtMs ||
      !cache_->setUnlessInvalidatedSince(mark, key, std::move(framed).value(), options)) {
    superseded_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  refreshed_.fetch_add(1, std::memory_order_relaxed);
}

Result<std::string> EntityCache::entity(const Collection& c, int64_t id) {
  if (!enabled(c)) return loadFramed(c, id);
  // Concurrent misses for one row reach the repository once.
  return cache_->getOrCompute(entityKey(c, id), write(c, entityTag(c, id)), [&] { return loadFramed(c, id); });
}

std::string EntityCache::pageKey(const Collection& c, const ListQuery& q) {
  std::string key = "list:" + c.name + "|" + q.sortSignature() + "|" + q.filterSignature() + "|" +
                    std::to_string(q.limit) + "|";
  for (const auto& f : q.fields) key += f + ",";
  return key + "|" + q.cursor;
}

Result<std::string> EntityCache::page(const Collection& c, const std::string& key,
                                      const std::function<Result<std::string>()>& body) {
  auto framed = [&]() -> Result<std::string> {
    auto b = body();
    if (!b.isOk()) return b.status();
    return frame(etagOfBody(b.value()), b.value());
  };
  return cache_->getOrCompute(key, write(c, listTag(c)), framed);
}

Result<std::string> EntityCache::derived(const std::string& key, const Collection& owner, int64_t id,
                                         const std::string& tag, const std::string& region,
                                         const std::function<Result<std::string>()>& compute) {
  if (!cache_) return compute();
  return cache_->getOrCompute(key, CacheWrite{0, {entityTag(owner, id), tag, "user_stats"}, region}, compute);
}

void EntityCache::invalidateEntity(const Collection& c, int64_t id) {
  if (!cache_) return;
  // Failures only mean a cached copy lives until its TTL; the write itself
  // succeeded and is reported as such.
  cache_->invalidateTag(entityTag(c, id));
  cache_->invalidateTag(listTag(c));
}

void EntityCache::invalidateLists(const Collection& c) {
  if (cache_) cache_->invalidateTag(listTag(c));
}

void EntityCache::invalidateEntities(const Collection& c, const std::vector<int64_t>& ids) {
  if (!cache_) return;
  for (int64_t id : ids) cache_->invalidateTag(entityTag(c, id));
  cache_->invalidateTag(listTag(c));
}

void EntityCache::invalidateCollection(const Collection& c) {
  if (cache_) cache_->invalidateTag(c.name);
}

void EntityCache::invalidateTags(const std::vector<std::string>& tags) {
  if (!cache_) return;
  for (const auto& tag : tags) cache_->invalidateTag(tag);
}

EntityCache::RefreshCounts EntityCache::refreshCounts() const {
  return {refreshed_.load(std::memory_order_relaxed), failed_.load(std::memory_order_relaxed),
          superseded_.load(std::memory_order_relaxed)};
}

}  // namespace wno::host::data
