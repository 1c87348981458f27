// Binds config-declared collections to repository component instances and
// runs every call through one place: timed under a name (a histogram per
// collection and operation at /metrics), logged when slower than the
// configured threshold with the statement's shape but never its values.
#pragma once

#include "data/collection.h"
#include "data/entity_cache.h"
#include "data/list_query.h"
#include "plugins/component_instance.h"
#include "protection/circuit_breaker.h"
#include "services/host_services.h"

#include <prometheus/histogram.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace wno::host::data {

class RepositoryService : public RepositoryApi {
 public:
  RepositoryService(std::map<std::string, std::unique_ptr<RepositoryInstance>> repositories,
                    std::map<std::string, Collection> collections, int64_t slowQueryMs, HostServices& services);

  // Creates missing tables and indexes (idempotent); "<pointer>: <message>" on failure.
  Status defineCollections();
  // Guards every call to `repository` with `breaker`: while it is open, calls
  // fail fast with WNO_ERR_UNAVAILABLE and a retry hint instead of waiting on
  // the database. Unavailable, timed-out and exhausted answers count as
  // failures; answers about the data (not found, conflict, ...) as successes.
  // Call before serving traffic.
  void setBreaker(const std::string& repository, std::shared_ptr<CircuitBreaker> breaker);

  const Collection* collection(const std::string& name) const;
  // Reads go through `cache` (EntityCache), and writes invalidate it: an
  // update or delete the entity and the pages, a create the pages. So does
  // a write that failed after reaching the repository (it may have
  // committed), unless its input was refused. Call before serving traffic.
  void setCache(CacheApi* cache, EagerRefreshOptions eager = {});
  EntityCache& entities() { return *entities_; }
  // Called after each successful write, on the writer's thread: event is
  // "create" (also per row of a bulk insert), "update" or "delete" (row {"id"}).
  using RowListener = std::function<void(const std::string& collection, const char* event, const nlohmann::json& row)>;
  void setRowListener(RowListener listener) { rowListener_ = std::move(listener); }
  const std::map<std::string, Collection>& collections() const { return collections_; }

  // Rows are the JSON text the repository wrote, handed on as they arrive
  // (views valid for the call): checked by the reader, never parsed here.
  using RowText = std::function<Status(std::string_view row)>;
  Status list(const Collection& c, const ListQuery& query, const nlohmann::json& after, int fetch, const RowText& row);
  // The row's JSON text (checked to be one JSON object), or nullopt.
  Result<std::optional<std::string>> getRow(const Collection& c, int64_t id);
  // The stored row's JSON text.
  Result<std::string> insert(const Collection& c, nlohmann::json row);
  Result<std::vector<int64_t>> insertMany(const Collection& c, nlohmann::json rows);
  // WNO_NOT_FOUND, WNO_ERR_PRECONDITION (stale version) or the updated row's JSON text.
  Result<std::string> updateRow(const Collection& c, int64_t id, int64_t expectedVersion, nlohmann::json patch);
  Status deleteRow(const Collection& c, int64_t id);
  Result<int64_t> count(const Collection& c, const std::vector<Filter>& filters);

  // Writes by filter (PATCH / DELETE /{c}?<filters>&limit=N): the rows
  // `query` selects (its filters, in its sort order, at most its limit)
  // change in one repository transaction; an update bumps each version and
  // sets updated_at as updateRow does. Each affected entity and the pages
  // are invalidated and a row event fires per row, as for one-row writes.
  // A failure once the repository was reached drops the collection's whole
  // cache (which rows it touched is unknown). WNO_ERR_UNSUPPORTED when the
  // repository has no such hook (writesByFilter).
  struct Changed {
    std::vector<int64_t> ids;       // ascending
    std::vector<std::string> rows;  // JSON text in the order of ids: as now (update), as it was (delete)
  };
  Result<Changed> updateRows(const Collection& c, const ListQuery& query, nlohmann::json patch);
  Result<Changed> deleteRows(const Collection& c, const ListQuery& query);
  // Whether the collection's repository implements on_update_where
  // (update) or on_delete_where (ABI 1.2, optional).
  bool writesByFilter(const Collection& c, bool update);
  // "repository \"main\" (plugin sqlite, ABI 1.1)": for messages that
  // blame what the repository cannot do.
  std::string describeRepository(const Collection& c);
  // The most rows repo_create_many takes (/data/max_bulk_rows, as POST /bulk).
  void setMaxBulkRows(size_t rows) { maxBulkRows_ = rows; }
  // Whether the collection's repository reads or/and groups and "not" in a
  // QUERY (its plugin targets ABI 1.2 or later); older ones would misread them.
  bool readsBooleanFilters(const Collection& c);

  // RepositoryApi (plugins and job handlers, through the ABI).
  Status query(const std::string& collection, const std::string& queryJson, const RowSink& out) override;
  Status get(const std::string& collection, int64_t id, const RowSink& out) override;
  Status create(const std::string& collection, const std::string& rowJson, const RowSink& out) override;
  Status update(const std::string& collection, int64_t id, int64_t expectedVersion, const std::string& patchJson,
                const RowSink& out) override;
  Status remove(const std::string& collection, int64_t id) override;
  Result<int64_t> countWhere(const std::string& collection, const std::string& queryJson) override;
  Result<std::vector<int64_t>> createMany(const std::string& collection, const std::string& rowsJson) override;
  Result<std::vector<std::string>> updateWhere(const std::string& collection, const std::string& queryJson,
                                               const std::string& patchJson) override;
  Result<std::vector<std::string>> deleteWhere(const std::string& collection, const std::string& queryJson) override;

 private:
  // INVALID for a QUERY that is not a JSON object; UNSUPPORTED when it has
  // or/and groups or "not" and the collection's repository predates them.
  Status refuseUnreadableFilters(const Collection& c, const std::string& queryJson);

  RepositoryInstance& repositoryFor(const Collection& c);
  CircuitBreaker* breakerFor(const Collection& c) const;
  void invalidate(const Collection& c, std::optional<int64_t> id);
  // Drops the tags the collection's cache.invalidates names for these rows
  // (JSON objects); nothing when it names none.
  void invalidateDerived(const Collection& c, const std::vector<nlohmann::json>& rows);
  void invalidateDerived(const Collection& c, const std::vector<std::string>& rowTexts);
  // The row as stored before a write that needs its old values for
  // cache.invalidates (a delete, or an update of a field a tag reads);
  // nullopt when no rule needs it or it cannot be read.
  std::optional<nlohmann::json> rowBeforeWrite(const Collection& c, int64_t id, const nlohmann::json* patch);
  // The one row a hook wrote, checked to be a JSON object.
  static Result<std::string> singleRow(std::vector<std::string>& items, const char* what);
  void notify(const Collection& c, const char* event, std::string_view row);
  // After a write failed: evicts what it may have made stale (see the .cpp).
  void invalidateAfterFailure(const Collection& c, std::optional<int64_t> id, const Status& status, bool reached);
  // The statement shape of a call, for the slow-query log: built only when
  // a call was slow.
  struct Shape {
    Shape(const char* text) : literal(text) {}
    Shape(std::string text) : owned(std::move(text)) {}
    explicit Shape(const ListQuery& q) : query(&q) {}
    std::string text() const;
    const char* literal = nullptr;
    std::string owned;
    const ListQuery* query = nullptr;
  };
  // updateRows / deleteRows (and the plugin services) once the QUERY is
  // checked: `patch` is null for a delete.
  Result<Changed> writeWhere(const Collection& c, const nlohmann::json& query, const Shape& shape,
                             const nlohmann::json& patch);
  // Runs fn, observing its duration as (collection, op) and logging it when
  // slow; *reached says whether fn ran (false: the breaker refused the call).
  template <typename Fn>
  Status timed(const Collection& c, const char* op, const Shape& shape, Fn&& fn, bool* reached = nullptr);
  // `op` is one of the string literals the calls pass (compared by address).
  prometheus::Histogram& durationFor(const Collection& c, const char* op);
  void countError(const Collection& c, const char* op, wno_status code);

  std::map<std::string, std::unique_ptr<RepositoryInstance>> repositories_;
  std::map<std::string, std::shared_ptr<CircuitBreaker>> breakers_;  // by repository name
  std::map<std::string, Collection> collections_;
  int64_t slowQueryMs_;
  size_t maxBulkRows_ = 10000;
  HostServices& services_;
  RowListener rowListener_;
  prometheus::Family<prometheus::Histogram>* durations_ = nullptr;
  prometheus::Family<prometheus::Counter>* errors_ = nullptr;
  std::mutex durationsMutex_;
  std::map<std::pair<const Collection*, const char*>, prometheus::Histogram*> durationSeries_;
  prometheus::Family<prometheus::Counter>* slowQueries_ = nullptr;
  // Last: its eager refreshes read through this service until it is gone.
  std::unique_ptr<EntityCache> entities_;
};

// "filters=[status:eq,created_at:gt] sort=[-created_at,-id]": what ran, never with what.
std::string queryShape(const ListQuery& query);

}  // namespace wno::host::data
