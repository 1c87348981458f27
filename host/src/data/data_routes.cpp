#include "data/data_routes.h"

#include "core/logger.h"

#include <algorithm>
#include <charconv>
#include <ostream>

namespace wno::host::data {
namespace {

using nlohmann::json;

// FNV-1a: a stable, cheap content hash for ETags of unversioned rows.
uint64_t fnv1a(const std::string& text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::optional<int64_t> parseId(const std::string& text) {
  int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0) return std::nullopt;
  return id;
}

json project(const json& row, const std::vector<std::string>& fields) {
  if (fields.empty()) return row;
  json out = json::object();
  for (const auto& f : fields) {
    if (row.contains(f)) out[f] = row[f];
  }
  return out;
}

bool etagMatches(const std::string& header, const std::string& etag) {
  if (header.empty()) return false;
  size_t start = 0;
  while (start < header.size()) {
    size_t end = header.find(',', start);
    if (end == std::string::npos) end = header.size();
    std::string candidate = header.substr(start, end - start);
    const auto first = candidate.find_first_not_of(' ');
    const auto last = candidate.find_last_not_of(' ');
    candidate = first == std::string::npos ? "" : candidate.substr(first, last - first + 1);
    if (candidate.rfind("W/", 0) == 0) candidate = candidate.substr(2);  // weak comparison for GET
    if (candidate == "*" || candidate == etag) return true;
    start = end + 1;
  }
  return false;
}

// Maps a repository failure onto HTTP. Conflicts and precondition failures
// are the caller's; anything else is ours, with details in the log only.
void sendRepositoryError(http::RequestContext& ctx, const Status& status) {
  switch (status.code()) {
    case WNO_NOT_FOUND: ctx.sendProblem(404, "Not Found", status.message()); return;
    case WNO_ERR_INVALID: ctx.sendProblem(400, "Bad Request", status.message()); return;
    case WNO_ERR_CONFLICT: ctx.sendProblem(409, "Conflict", status.message()); return;
    case WNO_ERR_PRECONDITION: ctx.sendProblem(412, "Precondition Failed", status.message()); return;
    case WNO_ERR_UNAVAILABLE:
    case WNO_ERR_TIMEOUT:
    case WNO_ERR_RESOURCE_EXHAUSTED:
      // An open circuit knows when it lets calls through again.
      ctx.response().set("Retry-After", std::to_string(std::max<int64_t>(1, (status.retryAfterMs() + 999) / 1000)));
      ctx.sendProblem(503, "Service Unavailable", "the data store is unavailable; retry shortly");
      logWarn("data", "repository unavailable", {{"error", status.message()}, {"request_id", ctx.requestId()}});
      return;
    default:
      logError("data", "repository failed", {{"error", status.message()}, {"request_id", ctx.requestId()}});
      ctx.sendProblem(500, "Internal Server Error", "the data store failed; quote request_id when reporting it");
  }
}

// For a 405's Allow header: the methods the collection allows on the path
// `op` is served at (the collection, its bulk path, or one entity).
std::string allowedOnSamePath(const Collection& c, const std::string& op) {
  using Group = std::vector<std::pair<const char*, const char*>>;  // operation, method
  static const std::vector<Group> paths = {
      {{"list", "GET"}, {"create", "POST"}}, {{"bulk", "POST"}}, {{"get", "GET"}, {"update", "PATCH"}, {"delete", "DELETE"}}};
  std::string allow;
  for (const auto& group : paths) {
    bool here = false;
    for (const auto& [operation, method] : group) here = here || op == operation;
    if (!here) continue;
    for (const auto& [operation, method] : group) {
      if (c.allows(operation)) allow += (allow.empty() ? "" : ", ") + std::string(method);
    }
  }
  return allow;
}

class DataRoutes {
 public:
  DataRoutes(RepositoryService& repos, CacheApi* cache, const CursorCodec& cursors, DataRouteOptions options)
      : repos_(repos), cache_(cache), cursors_(cursors), options_(options) {}

  const Collection* collectionFor(http::RequestContext& ctx, const char* op) {
    const std::string& name = ctx.param("collection");
    const Collection* c = repos_.collection(name);
    if (!c) {
      ctx.sendProblem(404, "Not Found", "no collection named \"" + name + "\"", {{"parameter", "collection"}});
      return nullptr;
    }
    if (!c->allows(op)) {
      ctx.response().set("Allow", allowedOnSamePath(*c, op));
      ctx.sendProblem(405, "Method Not Allowed", std::string("collection ") + name + " does not allow " + op);
      return nullptr;
    }
    return c;
  }

  std::optional<int64_t> idFor(http::RequestContext& ctx) {
    auto id = parseId(ctx.param("id"));
    if (!id) ctx.sendProblem(400, "Bad Request", "id must be a positive integer", {{"parameter", "id"}});
    return id;
  }

  void setCacheHeaders(http::RequestContext& ctx, const Collection& c) {
    ctx.response().set("Cache-Control", c.cache.enabled ? "public, max-age=" + std::to_string(c.cache.ttlMs / 1000)
                                                        : "no-cache");
  }

  void list(http::RequestContext& ctx) {
    const Collection* c = collectionFor(ctx, "list");
    if (!c) return;
    ListQuery query;
    QueryError error;
    if (!parseListQuery(*c, ctx.queryParams(), query, error)) {
      ctx.sendProblem(400, "Bad Request", error.parameter + ": " + error.message, {{"parameter", error.parameter}});
      return;
    }
    json after = nullptr;
    if (!query.cursor.empty()) {
      auto decoded = cursors_.decode(query.cursor, c->name, query.sortSignature(), query.filterSignature());
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
    if (cache_ && c->cache.enabled && c->cache.lists && !streamed) {
      // Small pages are cached whole, as the bytes sent (with their ETag):
      // a hit parses nothing. Big pages are streamed instead (below), which
      // a cached copy would defeat.
      auto page = cache_->getOrCompute(listKey(*c, query), cacheWrite(*c, RepositoryService::listTag(*c)),
                                       [&]() -> Result<std::string> {
                                         auto rows = fetchPage(*c, query, after);
                                         if (!rows.isOk()) return rows.status();
                                         return frame(etagOfBody(rows.value().body), rows.value().body);
                                       });
      if (!page.isOk()) {
        sendRepositoryError(ctx, page.status());
        return;
      }
      sendFramed(ctx, page.value());
      return;
    }
    auto rows = fetchPage(*c, query, after);
    if (!rows.isOk()) {
      sendRepositoryError(ctx, rows.status());
      return;
    }
    Page& p = rows.value();
    if (!streamed || p.rows.size() <= options_.streamAboveRows) {
      ctx.sendText(200, "application/json", p.body);
      return;
    }
    // Large pages go out row by row: the client starts reading before the
    // whole page is serialized, and no second full copy is held in memory.
    std::ostream& out = ctx.beginStream(200, "application/json");
    size_t bytes = 0;
    auto write = [&](const std::string& text) {
      out << text;
      bytes += text.size();
    };
    write("{\"data\":[");
    for (size_t i = 0; i < p.rows.size(); ++i) {
      write((i ? "," : "") + project(p.rows[i], query.fields).dump(-1, ' ', false, json::error_handler_t::replace));
    }
    write("],\"next_cursor\":" + p.next.dump() + ",\"has_more\":" + (p.hasMore ? "true" : "false") + "}");
    out.flush();
    ctx.finishStream(bytes);
  }

  // One page from the repository. `body` is the serialized response for
  // pages that are sent whole; streamed pages keep only the rows.
  struct Page {
    std::vector<json> rows;
    json next;
    bool hasMore = false;
    std::string body;
  };

  Result<Page> fetchPage(const Collection& c, const ListQuery& query, const json& after) {
    Page page;
    // One extra row tells whether another page exists without a COUNT.
    if (Status s = repos_.list(c, query, after, query.limit + 1, page.rows); !s.isOk()) return s;
    page.hasMore = page.rows.size() > static_cast<size_t>(query.limit);
    if (page.hasMore) page.rows.resize(static_cast<size_t>(query.limit));
    page.next = nullptr;
    if (page.hasMore && !page.rows.empty()) {
      json keys = json::array();
      for (const auto& k : query.sort) keys.push_back(page.rows.back().value(k.field, json()));
      page.next = cursors_.encode(c.name, query.sortSignature(), query.filterSignature(), keys);
    }
    if (page.rows.size() <= options_.streamAboveRows) {
      json data = json::array();
      for (const auto& row : page.rows) data.push_back(project(row, query.fields));
      page.body = json{{"data", std::move(data)}, {"next_cursor", page.next}, {"has_more", page.hasMore}}
                      .dump(-1, ' ', false, json::error_handler_t::replace);
    }
    return page;
  }

  // Everything that selects the page: the cursor is verified before this,
  // and carries the position; filters and sort are in canonical form.
  static std::string listKey(const Collection& c, const ListQuery& q) {
    std::string key = "list:" + c.name + "|" + q.sortSignature() + "|" + q.filterSignature() + "|" +
                      std::to_string(q.limit) + "|";
    for (const auto& f : q.fields) key += f + ",";
    return key + "|" + q.cursor;
  }

  static CacheWrite cacheWrite(const Collection& c, const std::string& tag) {
    CacheWrite write{c.cache.ttlMs, {c.name, tag}, c.cache.region};
    for (const auto& t : c.cache.tags) write.tags.push_back(t);
    return write;
  }

  // Cached responses are "<etag>\n<body>": the ETag is computed once, when
  // the value is stored, and a hit sends the body as it is.
  static std::string frame(const std::string& etag, const std::string& body) { return etag + "\n" + body; }
  static std::pair<std::string_view, std::string_view> unframe(const std::string& framed) {
    const auto nl = framed.find('\n');
    if (nl == std::string::npos) return {{}, framed};
    return {std::string_view(framed).substr(0, nl), std::string_view(framed).substr(nl + 1)};
  }
  static std::string etagOfBody(const std::string& body) {
    char buffer[24];
    std::snprintf(buffer, sizeof buffer, "\"h%016llx\"", static_cast<unsigned long long>(fnv1a(body)));
    return buffer;
  }

  void sendFramed(http::RequestContext& ctx, const std::string& framed) {
    auto [etag, body] = unframe(framed);
    if (!etag.empty()) {
      ctx.response().set("ETag", std::string(etag));
      if (etagMatches(ctx.request().get("If-None-Match", ""), std::string(etag))) {
        ctx.sendEmpty(304);
        return;
      }
    }
    ctx.sendText(200, "application/json", std::string(body));
  }

  void get(http::RequestContext& ctx) {
    const Collection* c = collectionFor(ctx, "get");
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
    auto loaded = load(*c, *id);
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
    auto [etag, body] = unframe(loaded.value());
    ctx.response().set("ETag", std::string(etag));
    if (etagMatches(ctx.request().get("If-None-Match", ""), std::string(etag))) {
      ctx.sendEmpty(304);
      return;
    }
    auto row = json::parse(body, nullptr, false);
    if (row.is_discarded()) {
      sendRepositoryError(ctx, Status(WNO_ERR_INTERNAL, "cached row is not JSON"));
      return;
    }
    ctx.sendJson(200, project(row, fields));
  }

  // Entity reads go through get-or-compute: concurrent misses for one row
  // reach the repository once, and the copy is tagged for invalidation.
  // The result is framed ("<etag>\n<row JSON>").
  Result<std::string> load(const Collection& c, int64_t id) {
    auto fetch = [&]() -> Result<std::string> {
      auto row = repos_.getRow(c, id);
      if (!row.isOk()) return row.status();
      if (!row.value()) return Status(WNO_NOT_FOUND, c.name + " " + std::to_string(id) + " does not exist");
      return frame(etagFor(c, *row.value()), row.value()->dump(-1, ' ', false, json::error_handler_t::replace));
    };
    if (cache_ && c.cache.enabled) {
      return cache_->getOrCompute("entity:" + c.name + ":" + std::to_string(id),
                                  cacheWrite(c, RepositoryService::entityTag(c, id)), fetch);
    }
    return fetch();
  }

  void create(http::RequestContext& ctx) {
    const Collection* c = collectionFor(ctx, "create");
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
    const json& entity = created.value();
    ctx.response().set("Location", "/api/v1/" + c->name + "/" + std::to_string(entity.value("id", int64_t{0})));
    ctx.response().set("ETag", etagFor(*c, entity));
    ctx.sendJson(201, entity);
  }

  void bulk(http::RequestContext& ctx) {
    const Collection* c = collectionFor(ctx, "bulk");
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
    const Collection* c = collectionFor(ctx, "update");
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
    auto body = ctx.readJsonBody();
    if (!body) return;
    std::string parameter;
    auto changes = validatePatch(*c, *body, parameter);
    if (!changes.isOk()) {
      ctx.sendProblem(400, "Bad Request", changes.status().message(), {{"parameter", parameter}});
      return;
    }
    auto updated = repos_.updateRow(*c, *id, *expected, std::move(changes).value());
    if (!updated.isOk()) {
      if (updated.status().code() == WNO_ERR_PRECONDITION) {
        ctx.sendProblem(412, "Precondition Failed", "the entity changed since that ETag; GET it again and retry",
                        {{"parameter", "If-Match"}});
      } else {
        sendRepositoryError(ctx, updated.status());
      }
      return;
    }
    ctx.response().set("ETag", etagFor(*c, updated.value()));
    ctx.sendJson(200, updated.value());
  }

  void remove(http::RequestContext& ctx) {
    const Collection* c = collectionFor(ctx, "delete");
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
      auto countWhere = [&](const char* collection, const char* field, const char* key) -> Status {
        const Collection* c = repos_.collection(collection);
        if (!c) return Status::ok();
        auto n = repos_.count(*c, {Filter{field, "eq", *id}});
        if (!n.isOk()) return n.status();
        stats[key] = n.value();
        return Status::ok();
      };
      for (auto [collection, field, key] : {std::tuple{"battles", "creator_id", "battles_created"},
                                            std::tuple{"battles", "opponent_id", "battles_joined"},
                                            std::tuple{"contents", "user_id", "contents"},
                                            std::tuple{"comments", "user_id", "comments"},
                                            std::tuple{"token_holdings", "user_id", "token_holdings"}}) {
        if (Status s = countWhere(collection, field, key); !s.isOk()) return s;
      }
      return stats.dump();
    };
    Result<std::string> text = Status(WNO_ERR_INTERNAL, "unreachable");
    if (cache_) {
      text = cache_->getOrCompute("stats:user:" + std::to_string(*id),
                                  CacheWrite{0, {RepositoryService::entityTag(*users, *id), "user_stats"}, "statistics"},
                                  compute);
    } else {
      text = compute();
    }
    if (!text.isOk()) {
      sendRepositoryError(ctx, text.status());
      return;
    }
    ctx.sendJson(200, json::parse(text.value()));
  }

 private:
  RepositoryService& repos_;
  CacheApi* cache_;
  const CursorCodec& cursors_;
  DataRouteOptions options_;
};

}  // namespace

std::string etagFor(const Collection& c, const json& row) {
  if (c.versioned && row.contains("version") && row["version"].is_number_integer()) {
    return "\"v" + std::to_string(row["version"].get<int64_t>()) + "\"";
  }
  char buffer[24];
  std::snprintf(buffer, sizeof buffer, "\"h%016llx\"", static_cast<unsigned long long>(fnv1a(row.dump())));
  return buffer;
}

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

void addDataRoutes(http::Router& router, RepositoryService& repositories, CacheApi* cache, const CursorCodec& cursors,
                   DataRouteOptions options) {
  auto routes = std::make_shared<DataRoutes>(repositories, cache, cursors, options);
  using http::RouteGroup;
  router.add("GET", "/api/v1/{collection}", RouteGroup::Api, [routes](auto& ctx) { routes->list(ctx); });
  router.add("POST", "/api/v1/{collection}", RouteGroup::Api, [routes](auto& ctx) { routes->create(ctx); });
  router.add("POST", "/api/v1/{collection}/bulk", RouteGroup::Api, [routes](auto& ctx) { routes->bulk(ctx); });
  router.add("GET", "/api/v1/{collection}/{id}", RouteGroup::Api, [routes](auto& ctx) { routes->get(ctx); });
  router.add("PATCH", "/api/v1/{collection}/{id}", RouteGroup::Api, [routes](auto& ctx) { routes->patch(ctx); });
  router.add("DELETE", "/api/v1/{collection}/{id}", RouteGroup::Api, [routes](auto& ctx) { routes->remove(ctx); });
  router.add("GET", "/api/v1/users/{id}/stats", RouteGroup::Api, [routes](auto& ctx) { routes->userStats(ctx); });
}

}  // namespace wno::host::data
