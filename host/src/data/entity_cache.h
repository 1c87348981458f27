// Read-through caching of entities and small list pages, and the
// invalidation writes owe it: the one owner of the cache keys
// ("entity:<c>:<id>", "list:<c>|…", "stats:…"), their tags ("<c>",
// "<c>:<id>", "<c>:list" and the collection's own), the cached value's
// framing ("<etag>\n<body>": the body as sent and its ETag, so a hit writes
// bytes as they are), and eager refresh of hot entities.
// Routes map HTTP onto it; RepositoryService calls the invalidations.
// THREADS: every method is safe from any thread; peekEntity never blocks.
#pragma once

#include "cache/eager_refresher.h"
#include "data/collection.h"
#include "data/list_query.h"
#include "services/host_services.h"

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wno::host::data {

class EntityCache {
 public:
  // Reads one row as the repository wrote it (JSON text), nullopt when there
  // is no such row. Must stay callable for the EntityCache's life: eager
  // refreshes call it from their own threads.
  using Loader = std::function<Result<std::optional<std::string>>(const Collection&, int64_t id)>;

  // `cache` null: no cache configured; every read loads.
  EntityCache(CacheApi* cache, Loader load, EagerRefreshOptions eager = {});

  struct Framed {
    std::string_view etag;
    std::string_view body;
  };
  static std::string frame(std::string_view etag, std::string_view body);
  static Framed unframe(std::string_view framed);

  bool enabled(const Collection& c) const { return cache_ != nullptr && c.cache.enabled; }
  bool cachesPages(const Collection& c) const { return enabled(c) && c.cache.lists; }

  // The entity from the in-process level only, framed into `framed` (its
  // capacity reused); false when it is not there. Never blocks: no shared
  // level, no repository, no waiting on another caller. A hit past the
  // eager-refresh threshold of its TTL queues a background reload.
  bool peekEntity(const Collection& c, int64_t id, std::string& framed);
  // The entity framed: from the cache levels, else loaded (once for all
  // concurrent callers) and cached. WNO_NOT_FOUND when there is no such row.
  Result<std::string> entity(const Collection& c, int64_t id);

  // Everything that selects a page: the cursor carries the position and is
  // verified before; filters and sort are in canonical form.
  static std::string pageKey(const Collection& c, const ListQuery& q);
  // A small page framed, from the cache or built by `body` and cached.
  // REQUIRES: cachesPages(c).
  Result<std::string> page(const Collection& c, const std::string& key,
                           const std::function<Result<std::string>()>& body);
  // A value derived from one entity (its stats), dropped with the entity
  // and with `tag` (what other collections' cache.invalidates name, e.g.
  // "users:7:stats").
  Result<std::string> derived(const std::string& key, const Collection& owner, int64_t id, const std::string& tag,
                              const std::string& region, const std::function<Result<std::string>()>& compute);

  // After a write. An update or delete changes the entity and every page;
  // a create changes only pages. "<collection>" (on everything) is left for
  // operators: dropping it on every write would empty the collection's
  // cache on each insert.
  void invalidateEntity(const Collection& c, int64_t id);
  void invalidateLists(const Collection& c);
  // After a write by filter: each entity, and the pages once.
  void invalidateEntities(const Collection& c, const std::vector<int64_t>& ids);
  // After a write by filter that failed once it reached the repository:
  // which rows it touched is unknown, so everything of the collection
  // ("<collection>") goes.
  void invalidateCollection(const Collection& c);
  // Tags a write makes stale elsewhere (Collection::cache.invalidates).
  void invalidateTags(const std::vector<std::string>& tags);

  // "v<version>" for versioned rows, else a hash of the row's bytes as the
  // repository wrote them (never of a re-serialization).
  static std::string etagOfRow(const Collection& c, std::string_view row);
  static std::string etagOfBody(std::string_view body);
  static std::string entityTag(const Collection& c, int64_t id) { return c.name + ":" + std::to_string(id); }
  static std::string listTag(const Collection& c) { return c.name + ":list"; }

  struct RefreshCounts {
    uint64_t refreshed = 0, failed = 0, superseded = 0;
  };
  RefreshCounts refreshCounts() const;

 private:
  static std::string entityKey(const Collection& c, int64_t id);
  CacheWrite write(const Collection& c, std::string tag) const;
  Result<std::string> loadFramed(const Collection& c, int64_t id);
  void refresh(const Collection& c, int64_t id, int64_t seenExpiresAtMs);

  CacheApi* cache_;
  Loader load_;
  std::atomic<uint64_t> refreshed_{0}, failed_{0}, superseded_{0};
  // Last: destroyed (its threads joined) before what they use.
  std::unique_ptr<EagerRefresher> refresher_;
};

}  // namespace wno::host::data
