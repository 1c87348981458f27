#include "data/repository_service.h"

#include "core/logger.h"
#include "data/filter_write.h"
#include "data/row_text.h"
#include "protection/breaker_call.h"
#include "services/operation_timing.h"
#include "services/sink_collector.h"

#include <prometheus/counter.h>

#include <algorithm>
#include <chrono>

namespace wno::host::data {
namespace {

wno_str view(const std::string& s) { return wno_str{s.data(), s.size()}; }

Status notAnObject() { return Status(WNO_ERR_INTERNAL, "the repository returned a row that is not a JSON object"); }

// Whether a QUERY's filters use or/and groups or "not" (ABI 1.2 grammar).
bool usesBooleanFilters(const nlohmann::json& filters) {
  if (!filters.is_array()) return false;
  for (const auto& f : filters) {
    if (!f.is_object()) continue;
    if (f.contains("not") || f.contains("or") || f.contains("and")) return true;
  }
  return false;
}

}  // namespace

namespace {

// A filter's shape without its values: field:op, groups as or(...)/and(...).
std::string filterShape(const Filter& f) {
  std::string shape = f.negated ? "not." : "";
  if (!f.isGroup()) return shape + f.field + ":" + f.op;
  shape += f.op + "(";
  for (size_t i = 0; i < f.children.size(); ++i) shape += (i ? "," : "") + filterShape(f.children[i]);
  return shape + ")";
}

}  // namespace

std::string queryShape(const ListQuery& query) {
  std::string shape = "filters=[";
  for (size_t i = 0; i < query.filters.size(); ++i) shape += (i ? "," : "") + filterShape(query.filters[i]);
  shape += "] sort=[";
  for (size_t i = 0; i < query.sort.size(); ++i) {
    shape += (i ? "," : "") + std::string(query.sort[i].desc ? "-" : "") + query.sort[i].field;
  }
  return shape + "]";
}

RepositoryService::RepositoryService(std::map<std::string, std::unique_ptr<RepositoryInstance>> repositories,
                                     std::map<std::string, Collection> collections, int64_t slowQueryMs,
                                     HostServices& services)
    : repositories_(std::move(repositories)),
      collections_(std::move(collections)),
      slowQueryMs_(slowQueryMs),
      services_(services) {
  durations_ = &operationDurations(services_.metrics());
  errors_ = &prometheus::BuildCounter()
                 .Name("wno_repository_errors_total")
                 .Help("Repository calls that did not succeed, by collection, operation and status (not_found "
                       "and conflict included: they are answers, filter them out where they are expected)")
                 .Register(services_.metrics().registry());
  slowQueries_ = &prometheus::BuildCounter()
                      .Name("wno_repository_slow_queries_total")
                      .Help("Repository calls slower than data.slow_query_ms")
                      .Register(services_.metrics().registry());
  setCache(nullptr);
}

void RepositoryService::setCache(CacheApi* cache, EagerRefreshOptions eager) {
  entities_ = std::make_unique<EntityCache>(
      cache, [this](const Collection& c, int64_t id) { return getRow(c, id); }, eager);
}

Result<std::string> RepositoryService::singleRow(std::vector<std::string>& items, const char* what) {
  if (items.empty()) return Status(WNO_ERR_INTERNAL, std::string("the repository ") + what + " the row but wrote none");
  if (!isJsonObject(items.front())) return notAnObject();
  return std::move(items.front());
}

void RepositoryService::notify(const Collection& c, const char* event, std::string_view row) {
  // Listeners (domain events for jobs) want fields; only they pay for a parse.
  if (!rowListener_) return;
  auto parsed = nlohmann::json::parse(row, nullptr, false);
  if (!parsed.is_discarded()) rowListener_(c.name, event, parsed);
}

const Collection* RepositoryService::collection(const std::string& name) const {
  auto it = collections_.find(name);
  return it == collections_.end() ? nullptr : &it->second;
}

RepositoryInstance& RepositoryService::repositoryFor(const Collection& c) {
  auto it = repositories_.find(c.repository);
  if (it == repositories_.end()) it = repositories_.begin();  // validated at start: one exists
  return *it->second;
}

bool RepositoryService::readsBooleanFilters(const Collection& c) {
  const auto& plugin = repositoryFor(c).type().plugin;
  return plugin && plugin->abiMinor >= 2;
}

void RepositoryService::setBreaker(const std::string& repository, std::shared_ptr<CircuitBreaker> breaker) {
  breakers_[repository] = std::move(breaker);
}

CircuitBreaker* RepositoryService::breakerFor(const Collection& c) const {
  if (breakers_.empty()) return nullptr;
  auto it = breakers_.find(c.repository);
  // Same fallback as repositoryFor: an unnamed repository is the first one.
  if (it == breakers_.end() && !repositories_.count(c.repository)) it = breakers_.find(repositories_.begin()->first);
  return it == breakers_.end() ? nullptr : it->second.get();
}

std::string RepositoryService::Shape::text() const {
  if (query) return queryShape(*query);
  return literal ? std::string(literal) : owned;
}

prometheus::Histogram& RepositoryService::durationFor(const Collection& c, const char* op) {
  // Building the label set allocates a map and its strings: done once per
  // (collection, op), not on every call of the hot read path.
  std::lock_guard lock(durationsMutex_);
  auto& slot = durationSeries_[std::pair<const Collection*, const char*>(&c, op)];
  // cached="false": a repository call reaches the repository (plugins'
  // own operations share the family and may say otherwise).
  if (!slot) slot = &durations_->Add({{"cached", "false"}, {"collection", c.name}, {"op", op}}, Metrics::latencyBuckets());
  return *slot;
}

template <typename Fn>
Status RepositoryService::timed(const Collection& c, const char* op, const Shape& shape, Fn&& fn, bool* reached) {
  if (reached) *reached = false;
  CircuitBreaker* breaker = breakerFor(c);
  BreakerPermit permit;
  if (breaker && !(permit = breaker->allow())) {
    // Failing fast is the point: a request must not queue for a pool
    // connection to a database that has been failing.
    return circuitOpenStatus(*breaker);
  }
  const auto started = std::chrono::steady_clock::now();
  if (reached) *reached = true;
  Status status;
  try {
    status = fn();
  } catch (...) {
    // A call that throws still ends its breaker trial; otherwise a
    // half-open breaker would wait for it for ever and refuse everything.
    if (breaker) breaker->onFailure(permit);
    countError(c, op, WNO_ERR_INTERNAL);
    throw;
  }
  if (!status.isOk()) countError(c, op, status.code());
  if (breaker) reportOutcome(*breaker, permit, status.code());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  durationFor(c, op).Observe(seconds);
  if (slowQueryMs_ > 0 && seconds * 1000.0 > static_cast<double>(slowQueryMs_)) {
    slowQueries_->Add({{"collection", c.name}, {"op", op}}).Increment();
    logWarn("data", "slow query",
            {{"collection", c.name}, {"op", op}, {"shape", shape.text()}, {"duration_ms", seconds * 1000.0},
             {"threshold_ms", slowQueryMs_}});
  }
  return status;
}

void RepositoryService::countError(const Collection& c, const char* op, wno_status code) {
  // Label sets are built per error: failures are rare, and the hot path of
  // successful calls pays nothing for this counter.
  errors_->Add({{"collection", c.name}, {"op", op}, {"status", statusName(code)}}).Increment();
}

void RepositoryService::invalidate(const Collection& c, std::optional<int64_t> id) {
  id ? entities_->invalidateEntity(c, *id) : entities_->invalidateLists(c);
}

void RepositoryService::invalidateAfterFailure(const Collection& c, std::optional<int64_t> id, const Status& status,
                                               bool reached) {
  // A write that failed once it reached the repository may still have
  // committed (the connection died during COMMIT: the answer is lost, the
  // row is not), and a version conflict or a missing row proves the cached
  // copy stale. Left cached, the client would re-read the old version and
  // its next If-Match would fail until the TTL ran out. Only a refusal of
  // the input itself, or a call the breaker never let through, changed
  // nothing.
  if (!reached || status.code() == WNO_ERR_INVALID || status.code() == WNO_ERR_UNSUPPORTED) return;
  invalidate(c, id);
}

void RepositoryService::invalidateDerived(const Collection& c, const std::vector<nlohmann::json>& rows) {
  if (c.cache.invalidates.empty()) return;
  entities_->invalidateTags(tagsFor(c.cache.invalidates, rows));
}

void RepositoryService::invalidateDerived(const Collection& c, const std::vector<std::string>& rowTexts) {
  if (c.cache.invalidates.empty()) return;
  std::vector<nlohmann::json> rows;
  rows.reserve(rowTexts.size());
  for (const auto& text : rowTexts) rows.push_back(nlohmann::json::parse(text, nullptr, false));
  invalidateDerived(c, rows);
}

std::optional<nlohmann::json> RepositoryService::rowBeforeWrite(const Collection& c, int64_t id,
                                                                const nlohmann::json* patch) {
  if (c.cache.invalidates.empty()) return std::nullopt;
  // An update that leaves every field the tags read alone names the same
  // tags before and after: no read is needed.
  if (patch && !patchChangesTags(c.cache.invalidates, *patch)) return std::nullopt;
  auto row = getRow(c, id);
  if (!row.isOk() || !row.value()) return std::nullopt;
  auto parsed = nlohmann::json::parse(*row.value(), nullptr, false);
  if (!parsed.is_object()) return std::nullopt;
  return parsed;
}

Status RepositoryService::defineCollections() {
  for (const auto& [name, c] : collections_) {
    RepositoryInstance& repo = repositoryFor(c);
    const std::string definition = c.toRepositoryJson().dump();
    Status status = repo.call("on_define_collection", repo.vtable().on_define_collection, view(definition));
    if (!status.isOk()) {
      return Status(status.code(), "/data/collections/" + name + ": repository \"" + c.repository +
                                       "\" could not create it: " + status.message());
    }
  }
  return Status::ok();
}

Status RepositoryService::list(const Collection& c, const ListQuery& query, const nlohmann::json& after, int fetch,
                               const RowText& row) {
  RepositoryInstance& repo = repositoryFor(c);
  const std::string q = query.toRepositoryQuery(after, fetch).dump();
  // Rows arrive after the plugin has released its connection (repository
  // plugins hand rows on only then), so the reader may take its time.
  struct Forward {
    const RowText* row;
    Status failed;
  } forward{&row, Status::ok()};
  const wno_sink sink{&forward, [](void* ctx, const char* data, size_t len) -> wno_status {
                        auto* f = static_cast<Forward*>(ctx);
                        f->failed = (*f->row)(std::string_view(data, len));
                        return f->failed.code();
                      }};
  Status status = timed(c, "list", Shape(query), [&] {
    return repo.call("on_query", repo.vtable().on_query, view(c.name), view(q), &sink);
  });
  // A reader's refusal is the reader's error, not the repository's.
  if (!forward.failed.isOk()) return forward.failed;
  return status;
}

Result<std::optional<std::string>> RepositoryService::getRow(const Collection& c, int64_t id) {
  RepositoryInstance& repo = repositoryFor(c);
  SinkCollector collector;
  const wno_sink sink = collector.sink();
  static const std::string noFields = "[]";
  Status status = timed(c, "get", "id", [&] {
    return repo.call("on_get", repo.vtable().on_get, view(c.name), id, view(noFields), &sink);
  });
  if (status.code() == WNO_NOT_FOUND) return std::optional<std::string>();
  if (!status.isOk()) return status;
  auto row = singleRow(collector.items, "found");
  if (!row.isOk()) return row.status();
  return std::optional<std::string>(std::move(row).value());
}

Result<std::string> RepositoryService::insert(const Collection& c, nlohmann::json row) {
  RepositoryInstance& repo = repositoryFor(c);
  const std::string now = nowTimestamp();
  row["created_at"] = now;
  if (c.field("updated_at")) row["updated_at"] = now;
  if (c.versioned) row["version"] = 1;
  const std::string text = row.dump();
  SinkCollector collector;
  const wno_sink sink = collector.sink();
  bool reached = false;
  Status status = timed(
      c, "create", "insert",
      [&] { return repo.call("on_insert", repo.vtable().on_insert, view(c.name), view(text), &sink); }, &reached);
  if (!status.isOk()) {
    invalidateAfterFailure(c, std::nullopt, status, reached);
    if (reached && !c.cache.invalidates.empty()) invalidateDerived(c, std::vector<nlohmann::json>{row});
    return status;
  }
  auto created = singleRow(collector.items, "inserted");
  invalidate(c, std::nullopt);
  if (!c.cache.invalidates.empty()) invalidateDerived(c, std::vector<nlohmann::json>{row});
  if (created.isOk()) notify(c, "create", created.value());
  return created;
}

Result<std::vector<int64_t>> RepositoryService::insertMany(const Collection& c, nlohmann::json rows) {
  RepositoryInstance& repo = repositoryFor(c);
  const std::string now = nowTimestamp();
  for (auto& row : rows) {
    row["created_at"] = now;
    if (c.field("updated_at")) row["updated_at"] = now;
    if (c.versioned) row["version"] = 1;
  }
  const std::string text = rows.dump();
  SinkCollector collector;
  const wno_sink sink = collector.sink();
  bool reached = false;
  Status status = timed(
      c, "create_many", "insert x" + std::to_string(rows.size()),
      [&] { return repo.call("on_insert_many", repo.vtable().on_insert_many, view(c.name), view(text), &sink); },
      &reached);
  if (!status.isOk()) {
    invalidateAfterFailure(c, std::nullopt, status, reached);
    if (reached && !c.cache.invalidates.empty()) invalidateDerived(c, rows.get<std::vector<nlohmann::json>>());
    return status;
  }
  if (!c.cache.invalidates.empty()) invalidateDerived(c, rows.get<std::vector<nlohmann::json>>());
  if (collector.items.empty()) return Status(WNO_ERR_INTERNAL, "the repository wrote no ids");
  auto ids = nlohmann::json::parse(collector.items.front(), nullptr, false);
  if (ids.is_discarded() || !ids.is_array()) return Status(WNO_ERR_INTERNAL, "the repository wrote malformed ids");
  invalidate(c, std::nullopt);
  auto created = ids.get<std::vector<int64_t>>();
  if (rowListener_) {
    for (size_t i = 0; i < created.size() && i < rows.size(); ++i) {
      rows[i]["id"] = created[i];
      rowListener_(c.name, "create", rows[i]);
    }
  }
  return created;
}

Result<std::string> RepositoryService::updateRow(const Collection& c, int64_t id, int64_t expectedVersion,
                                                 nlohmann::json patch) {
  RepositoryInstance& repo = repositoryFor(c);
  const std::optional<nlohmann::json> before = rowBeforeWrite(c, id, &patch);
  if (c.field("updated_at")) patch["updated_at"] = nowTimestamp();
  const std::string text = patch.dump();
  SinkCollector collector;
  const wno_sink sink = collector.sink();
  bool reached = false;
  Status status = timed(
      c, "update", "id+version",
      [&] {
        return repo.call("on_update", repo.vtable().on_update, view(c.name), id, expectedVersion, view(text), &sink);
      },
      &reached);
  if (!status.isOk()) {
    invalidateAfterFailure(c, id, status, reached);
    if (reached && before) invalidateDerived(c, std::vector<nlohmann::json>{*before});
    return status;
  }
  invalidate(c, id);
  auto updated = singleRow(collector.items, "updated");
  if (!c.cache.invalidates.empty()) {
    std::vector<nlohmann::json> rows;
    if (before) rows.push_back(*before);
    if (updated.isOk()) rows.push_back(nlohmann::json::parse(updated.value(), nullptr, false));
    invalidateDerived(c, rows);
  }
  if (updated.isOk()) notify(c, "update", updated.value());
  return updated;
}

Status RepositoryService::deleteRow(const Collection& c, int64_t id) {
  RepositoryInstance& repo = repositoryFor(c);
  // The row's values are gone with it: read them first when a tag needs them.
  const std::optional<nlohmann::json> before = rowBeforeWrite(c, id, nullptr);
  bool reached = false;
  Status status = timed(
      c, "delete", "id", [&] { return repo.call("on_delete", repo.vtable().on_delete, view(c.name), id); }, &reached);
  if (status.isOk()) {
    invalidate(c, id);
    if (before) invalidateDerived(c, std::vector<nlohmann::json>{*before});
    if (rowListener_) rowListener_(c.name, "delete", nlohmann::json{{"id", id}});
  } else {
    invalidateAfterFailure(c, id, status, reached);
    if (reached && before) invalidateDerived(c, std::vector<nlohmann::json>{*before});
  }
  return status;
}

Result<int64_t> RepositoryService::count(const Collection& c, const std::vector<Filter>& filters) {
  RepositoryInstance& repo = repositoryFor(c);
  ListQuery q;
  q.filters = filters;
  const std::string text = q.toRepositoryQuery(nullptr, 0).dump();
  int64_t n = 0;
  Status status = timed(c, "count", Shape(q), [&] {
    return repo.call("on_count", repo.vtable().on_count, view(c.name), view(text), &n);
  });
  if (!status.isOk()) return status;
  return n;
}

bool RepositoryService::writesByFilter(const Collection& c, bool update) {
  const auto& vtable = repositoryFor(c).vtable();
  return update ? vtable.on_update_where != nullptr : vtable.on_delete_where != nullptr;
}

std::string RepositoryService::describeRepository(const Collection& c) {
  const auto& type = repositoryFor(c).type();
  std::string text = "repository \"" + c.repository + "\"";
  if (type.plugin) {
    text += " (plugin " + type.plugin->name + ", ABI " + std::to_string(WNO_ABI_VERSION_MAJOR) + "." +
            std::to_string(type.plugin->abiMinor) + ")";
  }
  return text;
}

Result<RepositoryService::Changed> RepositoryService::updateRows(const Collection& c, const ListQuery& query,
                                                                 nlohmann::json patch) {
  if (c.field("updated_at")) patch["updated_at"] = nowTimestamp();
  nlohmann::json q = query.toRepositoryQuery(nullptr, query.limit);
  q.erase("fields");  // the rows come back whole: events and caches need every field
  return writeWhere(c, q, Shape(query), patch);
}

Result<RepositoryService::Changed> RepositoryService::deleteRows(const Collection& c, const ListQuery& query) {
  nlohmann::json q = query.toRepositoryQuery(nullptr, query.limit);
  q.erase("fields");
  return writeWhere(c, q, Shape(query), nullptr);
}

Result<RepositoryService::Changed> RepositoryService::writeWhere(const Collection& c, const nlohmann::json& query,
                                                                 const Shape& shape, const nlohmann::json& patch) {
  const bool update = !patch.is_null();
  if (!writesByFilter(c, update)) {
    return Status(WNO_ERR_UNSUPPORTED, describeRepository(c) + " cannot " + (update ? "update" : "delete") +
                                           " rows by filter: that needs a repository plugin of ABI 1.2 or later (" +
                                           (update ? "on_update_where" : "on_delete_where") + ")");
  }
  RepositoryInstance& repo = repositoryFor(c);
  const std::string queryText = query.dump();
  const std::string patchText = update ? patch.dump() : std::string();
  // A delete hands back the rows as they were; an update, as they are now.
  // When it changes a field a cache.invalidates tag reads, the old values'
  // tags are stale too: read the rows the query picks first.
  std::vector<std::string> before;
  if (update && patchChangesTags(c.cache.invalidates, patch)) {
    SinkCollector read;
    const wno_sink readSink = read.sink();
    Status s = timed(c, "query", shape, [&] {
      return repo.call("on_query", repo.vtable().on_query, view(c.name), view(queryText), &readSink);
    });
    if (!s.isOk()) return s;
    before = std::move(read.items);
  }
  SinkCollector collector;
  const wno_sink sink = collector.sink();
  bool reached = false;
  Status status = timed(
      c, update ? "update_where" : "delete_where", shape,
      [&] {
        return update ? repo.call("on_update_where", repo.vtable().on_update_where, view(c.name), view(queryText),
                                  view(patchText), &sink)
                      : repo.call("on_delete_where", repo.vtable().on_delete_where, view(c.name), view(queryText),
                                  &sink);
      },
      &reached);
  if (!status.isOk()) {
    // Unlike a one-row write, which rows a failed bulk write may have
    // committed (a lost COMMIT answer) is unknown: drop them all.
    if (reached && status.code() != WNO_ERR_INVALID && status.code() != WNO_ERR_UNSUPPORTED) {
      entities_->invalidateCollection(c);
      invalidateDerived(c, before);
    }
    return status;
  }
  std::vector<std::pair<int64_t, std::string>> byId;
  byId.reserve(collector.items.size());
  for (auto& row : collector.items) {
    const auto id = isJsonObject(row) ? intMember(row, "id") : std::nullopt;
    if (!id) {
      // The write committed; only the answer is broken.
      entities_->invalidateCollection(c);
      return Status(WNO_ERR_INTERNAL, "the repository wrote a changed row that is not a JSON object with an id");
    }
    byId.emplace_back(*id, std::move(row));
  }
  std::sort(byId.begin(), byId.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  Changed changed;
  for (auto& [id, row] : byId) {
    changed.ids.push_back(id);
    changed.rows.push_back(std::move(row));
  }
  entities_->invalidateEntities(c, changed.ids);
  invalidateDerived(c, before);
  invalidateDerived(c, changed.rows);
  for (size_t i = 0; i < changed.ids.size(); ++i) {
    if (update) {
      notify(c, "update", changed.rows[i]);
    } else if (rowListener_) {
      rowListener_(c.name, "delete", nlohmann::json{{"id", changed.ids[i]}});
    }
  }
  return changed;
}

Status RepositoryService::refuseUnreadableFilters(const Collection& c, const std::string& queryJson) {
  const auto query = nlohmann::json::parse(queryJson, nullptr, false);
  if (query.is_discarded() || !query.is_object()) return Status(WNO_ERR_INVALID, "query_json is not a JSON object");
  // An older repository would misread groups and "not" (as plain filters
  // it ignores): refuse rather than answer the wrong rows.
  if (usesBooleanFilters(query.value("filters", nlohmann::json::array())) && !readsBooleanFilters(c)) {
    return Status(WNO_ERR_UNSUPPORTED, describeRepository(c) + " cannot read or/and groups or \"not\" (ABI 1.2)");
  }
  return Status::ok();
}

Status RepositoryService::query(const std::string& collection, const std::string& queryJson, const RowSink& out) {
  const Collection* c = this->collection(collection);
  if (!c) return Status(WNO_ERR_INVALID, "no collection \"" + collection + "\"");
  if (Status refused = refuseUnreadableFilters(*c, queryJson); !refused.isOk()) return refused;
  RepositoryInstance& repo = repositoryFor(*c);
  SinkCollector collector;
  const wno_sink sink = collector.sink();
  Status status = timed(*c, "query", "plugin", [&] {
    return repo.call("on_query", repo.vtable().on_query, view(collection), view(queryJson), &sink);
  });
  if (!status.isOk()) return status;
  for (const auto& row : collector.items) {
    if (Status s = out(row); !s.isOk()) return s;
  }
  return Status::ok();
}

Status RepositoryService::get(const std::string& collection, int64_t id, const RowSink& out) {
  const Collection* c = this->collection(collection);
  if (!c) return Status(WNO_ERR_INVALID, "no collection \"" + collection + "\"");
  auto row = getRow(*c, id);
  if (!row.isOk()) return row.status();
  if (!row.value()) return Status(WNO_NOT_FOUND, "no row " + std::to_string(id));
  return out(*row.value());
}

Status RepositoryService::create(const std::string& collection, const std::string& rowJson, const RowSink& out) {
  const Collection* c = this->collection(collection);
  if (!c) return Status(WNO_ERR_INVALID, "no collection \"" + collection + "\"");
  auto body = nlohmann::json::parse(rowJson, nullptr, false);
  if (body.is_discarded()) return Status(WNO_ERR_INVALID, "row_json is not JSON");
  std::string parameter;
  auto row = validateCreate(*c, body, parameter);
  if (!row.isOk()) return row.status();
  auto created = insert(*c, std::move(row).value());
  if (!created.isOk()) return created.status();
  return out(created.value());
}

Status RepositoryService::update(const std::string& collection, int64_t id, int64_t expectedVersion,
                                 const std::string& patchJson, const RowSink& out) {
  const Collection* c = this->collection(collection);
  if (!c) return Status(WNO_ERR_INVALID, "no collection \"" + collection + "\"");
  auto body = nlohmann::json::parse(patchJson, nullptr, false);
  if (body.is_discarded()) return Status(WNO_ERR_INVALID, "patch_json is not JSON");
  std::string parameter;
  auto patch = validatePatch(*c, body, parameter);
  if (!patch.isOk()) return patch.status();
  auto updated = updateRow(*c, id, expectedVersion, std::move(patch).value());
  if (!updated.isOk()) return updated.status();
  return out(updated.value());
}

Status RepositoryService::remove(const std::string& collection, int64_t id) {
  const Collection* c = this->collection(collection);
  if (!c) return Status(WNO_ERR_INVALID, "no collection \"" + collection + "\"");
  return deleteRow(*c, id);
}

Result<int64_t> RepositoryService::countWhere(const std::string& collection, const std::string& queryJson) {
  const Collection* c = this->collection(collection);
  if (!c) return Status(WNO_ERR_INVALID, "no collection \"" + collection + "\"");
  if (Status refused = refuseUnreadableFilters(*c, queryJson); !refused.isOk()) return refused;
  RepositoryInstance& repo = repositoryFor(*c);
  int64_t n = 0;
  Status status = timed(*c, "count", "plugin", [&] {
    return repo.call("on_count", repo.vtable().on_count, view(c->name), view(queryJson), &n);
  });
  if (!status.isOk()) return status;
  return n;
}

Result<std::vector<int64_t>> RepositoryService::createMany(const std::string& collection, const std::string& rowsJson) {
  const Collection* c = this->collection(collection);
  if (!c) return Status(WNO_ERR_INVALID, "no collection \"" + collection + "\"");
  const auto body = nlohmann::json::parse(rowsJson, nullptr, false);
  if (body.is_discarded() || !body.is_array() || body.empty()) {
    return Status(WNO_ERR_INVALID, "rows_json: expected a non-empty JSON array of rows");
  }
  if (body.size() > maxBulkRows_) {
    return Status(WNO_ERR_INVALID, "rows_json: at most " + std::to_string(maxBulkRows_) +
                                       " rows per call (/data/max_bulk_rows)");
  }
  nlohmann::json rows = nlohmann::json::array();
  for (size_t i = 0; i < body.size(); ++i) {
    std::string parameter;
    auto row = validateCreate(*c, body[i], parameter);
    if (!row.isOk()) {
      const std::string where = "[" + std::to_string(i) + "]" + (parameter.empty() || parameter == "body" ? "" : "." + parameter);
      return Status(WNO_ERR_INVALID, where + ": " + row.status().message() + " (nothing was written)");
    }
    rows.push_back(std::move(row).value());
  }
  return insertMany(*c, std::move(rows));
}

Result<std::vector<std::string>> RepositoryService::updateWhere(const std::string& collection,
                                                                const std::string& queryJson,
                                                                const std::string& patchJson) {
  const Collection* c = this->collection(collection);
  if (!c) return Status(WNO_ERR_INVALID, "no collection \"" + collection + "\"");
  auto query = filterWriteQuery(*c, nlohmann::json::parse(queryJson, nullptr, false));
  if (!query.isOk()) return query.status();
  const auto body = nlohmann::json::parse(patchJson, nullptr, false);
  if (body.is_discarded()) return Status(WNO_ERR_INVALID, "patch_json is not JSON");
  std::string parameter;
  auto patch = validatePatch(*c, body, parameter);
  if (!patch.isOk()) {
    return Status(WNO_ERR_INVALID, (parameter.empty() ? "" : parameter + ": ") + patch.status().message());
  }
  if (c->field("updated_at")) patch.value()["updated_at"] = nowTimestamp();
  auto changed = writeWhere(*c, query.value(), "plugin", patch.value());
  if (!changed.isOk()) return changed.status();
  return std::move(changed.value().rows);
}

Result<std::vector<std::string>> RepositoryService::deleteWhere(const std::string& collection,
                                                                const std::string& queryJson) {
  const Collection* c = this->collection(collection);
  if (!c) return Status(WNO_ERR_INVALID, "no collection \"" + collection + "\"");
  auto query = filterWriteQuery(*c, nlohmann::json::parse(queryJson, nullptr, false));
  if (!query.isOk()) return query.status();
  auto changed = writeWhere(*c, query.value(), "plugin", nullptr);
  if (!changed.isOk()) return changed.status();
  return std::move(changed.value().rows);
}

}  // namespace wno::host::data
