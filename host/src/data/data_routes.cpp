#include "data/data_routes.h"

#include "core/logger.h"
#include "data/entity_cache.h"
#include "data/filter_write.h"
#include "data/page_body.h"
#include "data/row_text.h"
#include "http/etag.h"
#include "http/send_unavailable.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <ostream>
#include <string_view>

namespace wno::host::data {
namespace {

using nlohmann::json;

std::optional<int64_t> parseId(const std::string& text) {
  int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0) return std::nullopt;
  return id;
}

// Maps a repository failure onto HTTP. Conflicts and precondition failures
// are the caller's; anything else is ours, with details in the log only.
void sendRepositoryError(http::RequestContext& ctx, const Status& status) {
  switch (status.code()) {
    case WNO_NOT_FOUND: ctx.sendProblem(404, "Not Found", status.message()); return;
    case WNO_ERR_INVALID: ctx.sendProblem(400, "Bad Request", status.message()); return;
    case WNO_ERR_CONFLICT: ctx.sendProblem(409, "Conflict", status.message()); return;
    case WNO_ERR_PRECONDITION: ctx.sendProblem(412, "Precondition Failed", status.message()); return;
    case WNO_ERR_UNSUPPORTED: ctx.sendProblem(501, "Not Implemented", status.message()); return;
    case WNO_ERR_UNAVAILABLE:
    case WNO_ERR_TIMEOUT:
    case WNO_ERR_RESOURCE_EXHAUSTED:
      http::sendUnavailable(ctx, status, "the data store is unavailable; retry shortly");
      logWarn("data", "repository unavailable", {{"error", status.message()}, {"request_id", ctx.requestId()}});
      return;
    default:
      logError("data", "repository failed", {{"error", status.message()}, {"request_id", ctx.requestId()}});
      ctx.sendProblem(500, "Internal Server Error", "the data store failed; quote request_id when reporting it");
  }
}

// The three paths of a collection: /{c} (list, create, and update or
// delete by filter), /{c}/bulk and /{c}/{id}.
enum class PathKind { Collection, Bulk, Entity };

// For a 405's Allow header: the methods the collection allows on `path`.
std::string allowedOn(const Collection& c, PathKind path) {
  using Routes = std::vector<std::pair<const char*, const char*>>;  // operation, method
  static const Routes collection = {{"list", "GET"}, {"create", "POST"}, {"update", "PATCH"}, {"delete", "DELETE"}};
  static const Routes bulk = {{"bulk", "POST"}};
  static const Routes entity = {{"get", "GET"}, {"update", "PATCH"}, {"delete", "DELETE"}};
  const Routes& routes = path == PathKind::Collection ? collection : path == PathKind::Bulk ? bulk : entity;
  std::string allow;
  for (const auto& [operation, method] : routes) {
    if (c.allows(operation)) allow += (allow.empty() ? "" : ", ") + std::string(method);
  }
  return allow;
}

// Prefer (RFC 7240) asks for return=representation: a comma-separated
// list of preferences, each maybe with parameters after a ";".
bool prefersRepresentation(std::string_view header) {
  while (!header.empty()) {
    const size_t comma = header.find(',');
    std::string_view preference = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    preference = preference.substr(0, preference.find(';'));
    while (!preference.empty() && preference.front() == ' ') preference.remove_prefix(1);
    while (!preference.empty() && preference.back() == ' ') preference.remove_suffix(1);
    if (preference == "return=representation") return true;
  }
  return false;
}

class DataRoutes {
 public:
  DataRoutes(RepositoryService& repos, const CursorCodec& cursors, DataRouteOptions options)
      : repos_(repos), entities_(repos.entities()), cursors_(cursors), options_(options) {}

  const Collection* collectionFor(http::RequestContext& ctx, const char* op, PathKind path) {
    const std::string& name = ctx.param("collection");
    const Collection* c = repos_.collection(name);
    if (!c) {
      ctx.sendProblem(404, "Not Found", "no collection named \"" + name + "\"", {{"parameter", "collection"}});
      return nullptr;
    }
    if (!c->allows(op)) {
      ctx.response().set("Allow", allowedOn(*c, path));
      ctx.sendProblem(405, "Method Not Allowed", std::string("collection ") + name + " does not allow " + op);
      return nullptr;
    }
    return c;
  }

  // Groups and not. need a repository that reads them (ABI 1.2); an older
  // one would misread the QUERY. True when it refused the request.
  bool refusedBooleanQuery(http::RequestContext& ctx, const Collection& c, const ListQuery& query) {
    if (!query.needsBooleanQuery() || repos_.readsBooleanFilters(c)) return false;
    const Filter& first = *std::find_if(query.filters.begin(), query.filters.end(),
                                        [](const Filter& f) { return f.needsBooleanQuery(); });
    const std::string parameter = first.isGroup() ? (first.negated ? "not." : "") + first.op : first.field;
    ctx.sendProblem(400, "Bad Request",
                    parameter + ": the repository of collection " + c.name +
                        " cannot run or/and groups or not. (its plugin predates ABI 1.2)",
                    {{"parameter", parameter}});
    return true;
  }

  std::optional<int64_t> idFor(http::RequestContext& ctx) {
    auto id = parseId(ctx.param("id"));
    if (!id) ctx.sendProblem(400, "Bad Request", "id must be a positive integer", {{"parameter", "id"}});
    return id;
  }

  void setCacheHeaders(http::RequestContext& ctx, const Collection& c) {
    ctx.response().set("Cache-Control", c.cache.enabled ? c.cache.controlHeader : std::string("no-cache"));
  }

  void list(http::RequestContext& ctx) {
    const Collection* c = collectionFor(ctx, "list", PathKind::Collection);
    if (!c) return;
    ListQuery query;
    QueryError error;
    if (!parseListQuery(*c, ctx.queryParams(), query, error)) {
      ctx.sendProblem(400, "Bad Request", error.parameter + ": " + error.message, {{"parameter", error.parameter}});
      return;
    }
    if (refusedBooleanQuery(ctx, *c, query)) return;
    json after = nullptr;
    // Built when first needed: a cached first page never touches cursors.
    std::optional<CursorScope> scope;
    if (!query.cursor.empty()) {
      auto decoded = cursors_.decode(query.cursor, scopeOf(scope, *c, query));
      if (!decoded.isOk() || decoded.value().size() != query.sort.size()) {
        ctx.sendProblem(400, "Bad Request",
                        "cursor: " + (decoded.isOk() ? std::string("malformed cursor") : decoded.status().message()),
                        {{"parameter", "cursor"}});
        return;
      }
      after = decoded.value();
    }
    setCacheHeaders(ctx, *c);
    const bool streamed = static_cast<size_t>(query.limit) > options_.streamAboveRows;
    if (!streamed && entities_.cachesPages(*c)) {
      // Small pages are cached whole, as the bytes sent (with their ETag):
      // a hit parses nothing. Big pages are streamed instead (below), which
      // a cached copy would defeat.
      auto page = entities_.page(*c, EntityCache::pageKey(*c, query), [&]() -> Result<std::string> {
        auto body = fetchPage(*c, query, after, scope);
        if (!body.isOk()) return body.status();
        return std::move(body.value().text());
      });
      if (!page.isOk()) {
        sendRepositoryError(ctx, page.status());
        return;
      }
      sendFramed(ctx, page.value());
      return;
    }
    auto page = fetchPage(*c, query, after, scope);
    if (!page.isOk()) {
      sendRepositoryError(ctx, page.status());
      return;
    }
    PageBody& p = page.value();
    if (!streamed || p.rows() <= options_.streamAboveRows) {
      ctx.sendText(200, "application/json", p.text());
      return;
    }
    // Large pages go out with chunked encoding, so no Content-Length waits
    // on them; the body is the one spliced buffer, never a second copy.
    std::ostream& out = ctx.beginStream(200, "application/json");
    out.write(p.text().data(), static_cast<std::streamsize>(p.text().size()));
    out.flush();
    ctx.finishStream(p.text().size());
  }

  static const CursorScope& scopeOf(std::optional<CursorScope>& scope, const Collection& c, const ListQuery& query) {
    if (!scope) scope.emplace(c.name, query.sortSignature(), query.filterSignature());
    return *scope;
  }

  // One page from the repository, rows spliced into the body as they come.
  Result<PageBody> fetchPage(const Collection& c, const ListQuery& query, const json& after,
                             std::optional<CursorScope>& scope) {
    PageBody page(query);
    // One extra row tells whether another page exists without a COUNT.
    Status s = repos_.list(c, query, after, query.limit + 1, [&](std::string_view row) { return page.add(row); });
    if (!s.isOk()) return s;
    std::string next;
    if (page.hasMore() && page.rows() > 0) {
      next = cursors_.encode(scopeOf(scope, c, query), page.lastKeys());
    }
    page.finish(next);
    return page;
  }

  // A framed value ("<etag>\n<body>") as the answer, or 304 when the client
  // has it. Answers exactly as the fast path does (the same code).
  static void sendFramed(http::RequestContext& ctx, std::string_view framed) {
    const auto [etag, body] = EntityCache::unframe(framed);
    if (!etag.empty()) {
      ctx.response().set("ETag", std::string(etag));
      if (ifNoneMatchHits(ctx.request().get("If-None-Match", ""), etag)) {
        ctx.sendEmpty(304);
        return;
      }
    }
    ctx.sendText(200, "application/json", std::string(body));
  }

  // GET /{c}/{id} when the entity is in the in-process cache: answered
  // without blocking (the event loop's fast path, and the worker's first
  // try). False, having sent nothing, for anything else: errors, ?fields=
  // (answered on a worker), and misses.
  bool getCached(http::RequestContext& ctx) {
    const Collection* c = repos_.collection(ctx.param("collection"));
    if (!c || !c->allows("get") || !entities_.enabled(*c) || !ctx.queryParams().empty()) return false;
    const auto id = parseId(ctx.param("id"));
    if (!id) return false;
    // Reused per thread: a hit copies the cached bytes once, into capacity
    // that is already there.
    thread_local std::string framed;
    if (!entities_.peekEntity(*c, *id, framed)) return false;
    setCacheHeaders(ctx, *c);
    sendFramed(ctx, framed);
    return true;
  }

  void get(http::RequestContext& ctx) {
    if (getCached(ctx)) return;
    const Collection* c = collectionFor(ctx, "get", PathKind::Entity);
    if (!c) return;
    auto id = idFor(ctx);
    if (!id) return;
    std::vector<std::string> fields;
    if (auto f = ctx.query("fields")) {
      ListQuery q;
      QueryError error;
      if (!parseListQuery(*c, {{"fields", *f}}, q, error)) {
        ctx.sendProblem(400, "Bad Request", error.parameter + ": " + error.message, {{"parameter", "fields"}});
        return;
      }
      fields = q.fields;
    }
    auto loaded = entities_.entity(*c, *id);
    if (!loaded.isOk()) {
      sendRepositoryError(ctx, loaded.status());
      return;
    }
    setCacheHeaders(ctx, *c);
    if (fields.empty()) {
      sendFramed(ctx, loaded.value());
      return;
    }
    // A field selection is a view of the same entity: same ETag.
    const auto [etag, body] = EntityCache::unframe(loaded.value());
    ctx.response().set("ETag", std::string(etag));
    if (ifNoneMatchHits(ctx.request().get("If-None-Match", ""), etag)) {
      ctx.sendEmpty(304);
      return;
    }
    std::string projected;
    if (!appendProjected(projected, body, fields)) {
      sendRepositoryError(ctx, Status(WNO_ERR_INTERNAL, "cached row is not a JSON object"));
      return;
    }
    ctx.sendText(200, "application/json", projected);
  }

  void create(http::RequestContext& ctx) {
    const Collection* c = collectionFor(ctx, "create", PathKind::Collection);
    if (!c) return;
    auto body = ctx.readJsonBody();
    if (!body) return;
    std::string parameter;
    auto row = validateCreate(*c, *body, parameter);
    if (!row.isOk()) {
      ctx.sendProblem(400, "Bad Request", row.status().message(), {{"parameter", parameter}});
      return;
    }
    auto created = repos_.insert(*c, std::move(row).value());
    if (!created.isOk()) {
      sendRepositoryError(ctx, created.status());
      return;
    }
    const std::string& entity = created.value();
    ctx.response().set("Location", "/api/v1/" + c->name + "/" + std::to_string(intMember(entity, "id").value_or(0)));
    ctx.response().set("ETag", EntityCache::etagOfRow(*c, entity));
    ctx.sendText(201, "application/json", entity);
  }

  void bulk(http::RequestContext& ctx) {
    const Collection* c = collectionFor(ctx, "bulk", PathKind::Bulk);
    if (!c) return;
    auto body = ctx.readJsonBody();
    if (!body) return;
    if (!body->is_array() || body->empty()) {
      ctx.sendProblem(400, "Bad Request", "expected a non-empty JSON array of rows", {{"parameter", "body"}});
      return;
    }
    if (body->size() > options_.maxBulkRows) {
      ctx.sendProblem(413, "Payload Too Large",
                      "at most " + std::to_string(options_.maxBulkRows) + " rows per bulk request",
                      {{"parameter", "body"}, {"limit_rows", options_.maxBulkRows}});
      return;
    }
    json rows = json::array();
    for (size_t i = 0; i < body->size(); ++i) {
      std::string parameter;
      auto row = validateCreate(*c, (*body)[i], parameter);
      if (!row.isOk()) {
        const std::string where = "[" + std::to_string(i) + "]" + (parameter.empty() || parameter == "body" ? "" : "." + parameter);
        ctx.sendProblem(400, "Bad Request", where + ": " + row.status().message() + " (nothing was written)",
                        {{"parameter", where}, {"index", i}});
        return;
      }
      rows.push_back(std::move(row).value());
    }
    auto ids = repos_.insertMany(*c, std::move(rows));
    if (!ids.isOk()) {
      sendRepositoryError(ctx, ids.status());
      return;
    }
    ctx.sendJson(201, {{"created", ids.value().size()}, {"ids", ids.value()}});
  }

  void patch(http::RequestContext& ctx) {
    const Collection* c = collectionFor(ctx, "update", PathKind::Entity);
    if (!c) return;
    auto id = idFor(ctx);
    if (!id) return;
    const std::string ifMatch = ctx.request().get("If-Match", "");
    if (ifMatch.empty()) {
      ctx.sendProblem(428, "Precondition Required",
                      "PATCH needs If-Match with the entity's ETag, so concurrent edits are not lost",
                      {{"parameter", "If-Match"}});
      return;
    }
    auto expected = versionFromIfMatch(ifMatch);
    if (!expected) {
      ctx.sendProblem(412, "Precondition Failed", "If-Match does not name a version of this entity",
                      {{"parameter", "If-Match"}});
      return;
    }
    auto changes = readPatch(ctx, *c);
    if (!changes) return;
    auto updated = repos_.updateRow(*c, *id, *expected, std::move(*changes));
    if (!updated.isOk()) {
      if (updated.status().code() == WNO_ERR_PRECONDITION) {
        ctx.sendProblem(412, "Precondition Failed", "the entity changed since that ETag; GET it again and retry",
                        {{"parameter", "If-Match"}});
      } else {
        sendRepositoryError(ctx, updated.status());
      }
      return;
    }
    ctx.response().set("ETag", EntityCache::etagOfRow(*c, updated.value()));
    ctx.sendText(200, "application/json", updated.value());
  }

  // The request's body checked as a PATCH of `c` (one entity's or by
  // filter); nullopt once the error is answered.
  static std::optional<json> readPatch(http::RequestContext& ctx, const Collection& c) {
    auto body = ctx.readJsonBody();
    if (!body) return std::nullopt;
    std::string parameter;
    auto patch = validatePatch(c, *body, parameter);
    if (!patch.isOk()) {
      ctx.sendProblem(400, "Bad Request", patch.status().message(), {{"parameter", parameter}});
      return std::nullopt;
    }
    return std::move(patch).value();
  }

  void remove(http::RequestContext& ctx) {
    const Collection* c = collectionFor(ctx, "delete", PathKind::Entity);
    if (!c) return;
    auto id = idFor(ctx);
    if (!id) return;
    Status status = repos_.deleteRow(*c, *id);
    if (!status.isOk()) {
      sendRepositoryError(ctx, status.code() == WNO_NOT_FOUND
                                   ? Status(WNO_NOT_FOUND, c->name + " " + std::to_string(*id) + " does not exist")
                                   : status);
      return;
    }
    ctx.sendEmpty(204);
  }

  // PATCH or DELETE /{c}?<filters>&limit=N: the first N matching rows in
  // sort order, in one transaction (docs/data.md, "Writes by filter").
  void writeWhere(http::RequestContext& ctx, bool update) {
    const Collection* c = collectionFor(ctx, update ? "update" : "delete", PathKind::Collection);
    if (!c) return;
    if (!repos_.writesByFilter(*c, update)) {
      // No per-row fallback: it could not be one transaction.
      ctx.sendProblem(501, "Not Implemented",
                      "collection " + c->name + ": " + repos_.describeRepository(*c) + " cannot " +
                          (update ? "update" : "delete") +
                          " rows by filter (that needs a repository plugin of ABI 1.2 or later); change them one id "
                          "at a time");
      return;
    }
    ListQuery query;
    QueryError error;
    if (!parseFilterWrite(*c, ctx.queryParams(), query, error)) {
      ctx.sendProblem(400, "Bad Request", error.parameter + ": " + error.message, {{"parameter", error.parameter}});
      return;
    }
    if (refusedBooleanQuery(ctx, *c, query)) return;
    json changes;
    if (update) {
      if (!ctx.request().get("If-Match", "").empty()) {
        ctx.sendProblem(400, "Bad Request",
                        "If-Match names the version of one entity; a PATCH by filter changes many rows (PATCH "
                        "/" + c->name + "/{id} with If-Match changes one, checked)",
                        {{"parameter", "If-Match"}});
        return;
      }
      auto patch = readPatch(ctx, *c);
      if (!patch) return;
      changes = std::move(*patch);
    }
    auto changed = update ? repos_.updateRows(*c, query, std::move(changes)) : repos_.deleteRows(*c, query);
    if (!changed.isOk()) {
      sendRepositoryError(ctx, changed.status());
      return;
    }
    // {"updated"|"deleted": N, "ids": [...]}, and with return=representation
    // the rows too, their bytes as the repository wrote them.
    const auto& [ids, rows] = changed.value();
    std::string answer = std::string("{\"") + (update ? "updated" : "deleted") + "\":" + std::to_string(ids.size()) +
                         ",\"ids\":[";
    for (size_t i = 0; i < ids.size(); ++i) answer += (i ? "," : "") + std::to_string(ids[i]);
    answer += "]";
    if (prefersRepresentation(ctx.request().get("Prefer", ""))) {
      answer += ",\"data\":[";
      for (size_t i = 0; i < rows.size(); ++i) {
        if (i) answer += ",";
        if (query.fields.empty()) {
          answer += rows[i];
        } else if (!appendProjected(answer, rows[i], query.fields)) {
          sendRepositoryError(ctx, Status(WNO_ERR_INTERNAL, "a changed row is not a JSON object"));
          return;
        }
      }
      answer += "]";
      ctx.response().set("Preference-Applied", "return=representation");
    }
    ctx.sendText(200, "application/json", answer + "}");
  }

  void userStats(http::RequestContext& ctx) {
    const Collection* users = repos_.collection("users");
    if (!users) {
      ctx.sendProblem(404, "Not Found", "no collection named \"users\"");
      return;
    }
    auto id = idFor(ctx);
    if (!id) return;
    auto compute = [&]() -> Result<std::string> {
      auto user = repos_.getRow(*users, *id);
      if (!user.isOk()) return user.status();
      if (!user.value()) return Status(WNO_NOT_FOUND, "users " + std::to_string(*id) + " does not exist");
      json stats = {{"user_id", *id}, {"computed_at", nowTimestamp()}};
      // The declared relations (/data/user_stats/counts), checked at start
      // against the collections; compute_user_stats counts the same list.
      for (const StatCount& count : options_.userStats) {
        const Collection* c = repos_.collection(count.collection);
        if (!c) continue;  // not reached: the list was checked against these collections
        auto n = repos_.count(*c, {Filter{count.field, "eq", *id, false, {}}});
        if (!n.isOk()) return n.status();
        stats[count.name] = n.value();
      }
      return stats.dump();
    };
    // Tagged users:<id>:stats, which the default config's cache.invalidates
    // rules drop on every write of a row that counts here.
    auto text = entities_.derived("stats:user:" + std::to_string(*id), *users, *id,
                                  "users:" + std::to_string(*id) + ":stats", "statistics", compute);
    if (!text.isOk()) {
      sendRepositoryError(ctx, text.status());
      return;
    }
    ctx.sendText(200, "application/json", text.value());
  }

 private:
  RepositoryService& repos_;
  EntityCache& entities_;
  const CursorCodec& cursors_;
  DataRouteOptions options_;
};

}  // namespace

std::optional<int64_t> versionFromIfMatch(const std::string& header) {
  std::string v = header;
  const auto first = v.find_first_not_of(' ');
  const auto last = v.find_last_not_of(' ');
  if (first == std::string::npos) return std::nullopt;
  v = v.substr(first, last - first + 1);
  if (v == "*") return -1;
  if (v.rfind("W/", 0) == 0) v = v.substr(2);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  if (!v.empty() && v[0] == 'v') v = v.substr(1);
  int64_t version = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), version);
  if (ec != std::errc() || end != v.data() + v.size() || version < 0) return std::nullopt;
  return version;
}

void addDataRoutes(http::Router& router, RepositoryService& repositories, const CursorCodec& cursors,
                   DataRouteOptions options) {
  auto routes = std::make_shared<DataRoutes>(repositories, cursors, options);
  using http::RouteGroup;
  router.add("GET", "/api/v1/{collection}", RouteGroup::Api, [routes](auto& ctx) { routes->list(ctx); });
  router.add("POST", "/api/v1/{collection}", RouteGroup::Api, [routes](auto& ctx) { routes->create(ctx); });
  router.add("PATCH", "/api/v1/{collection}", RouteGroup::Api, [routes](auto& ctx) { routes->writeWhere(ctx, true); });
  router.add("DELETE", "/api/v1/{collection}", RouteGroup::Api, [routes](auto& ctx) { routes->writeWhere(ctx, false); });
  router.add("POST", "/api/v1/{collection}/bulk", RouteGroup::Api, [routes](auto& ctx) { routes->bulk(ctx); });
  router.add("GET", "/api/v1/{collection}/{id}", RouteGroup::Api, [routes](auto& ctx) { routes->get(ctx); });
  // An entity in L1 is answered on the event loop, without a worker hop.
  router.setFastPath("GET", "/api/v1/{collection}/{id}", [routes](auto& ctx) { return routes->getCached(ctx); });
  router.add("PATCH", "/api/v1/{collection}/{id}", RouteGroup::Api, [routes](auto& ctx) { routes->patch(ctx); });
  router.add("DELETE", "/api/v1/{collection}/{id}", RouteGroup::Api, [routes](auto& ctx) { routes->remove(ctx); });
  router.add("GET", "/api/v1/users/{id}/stats", RouteGroup::Api, [routes](auto& ctx) { routes->userStats(ctx); });
}

}  // namespace wno::host::data
