#include "jobs/job_routes.h"

#include "core/logger.h"
#include "http/send_unavailable.h"

#include <charconv>
#include <set>

namespace wno::host::jobs {
namespace {

using nlohmann::json;

constexpr int kDefaultLimit = 20;
constexpr int kMaxLimit = 100;

void sendStoreError(http::RequestContext& ctx, const Status& status) {
  switch (status.code()) {
    case WNO_NOT_FOUND: ctx.sendProblem(404, "Not Found", status.message(), {{"parameter", "id"}}); return;
    case WNO_ERR_INVALID: ctx.sendProblem(400, "Bad Request", status.message()); return;
    case WNO_ERR_PRECONDITION:
    case WNO_ERR_CONFLICT: ctx.sendProblem(409, "Conflict", status.message()); return;
    case WNO_ERR_UNAVAILABLE:
    case WNO_ERR_TIMEOUT:
    case WNO_ERR_RESOURCE_EXHAUSTED:
      http::sendUnavailable(ctx, status, "the job store is unavailable; retry shortly");
      logWarn("jobs", "job store unavailable", {{"error", status.message()}, {"request_id", ctx.requestId()}});
      return;
    default:
      logError("jobs", "job store failed", {{"error", status.message()}, {"request_id", ctx.requestId()}});
      ctx.sendProblem(500, "Internal Server Error", "the job store failed; quote request_id when reporting it");
  }
}

class JobRoutes {
 public:
  JobRoutes(JobService& jobs, const data::CursorCodec& cursors) : jobs_(jobs), cursors_(cursors) {}

  void enqueue(http::RequestContext& ctx) {
    auto body = ctx.readJsonBody();
    if (!body) return;
    RequestError invalid;
    auto enqueued = jobs_.enqueueRequest(*body, &invalid);
    if (!enqueued.isOk()) {
      if (!invalid.parameter.empty()) {
        ctx.sendProblem(400, "Bad Request", invalid.parameter + ": " + invalid.message,
                        {{"parameter", invalid.parameter}});
      } else {
        sendStoreError(ctx, enqueued.status());
      }
      return;
    }
    const auto& record = enqueued.value().record;
    ctx.response().set("Location", "/api/v1/jobs/" + record.value("id", ""));
    ctx.sendJson(enqueued.value().created ? 201 : 200, publicJobView(record));
  }

  // One transaction for the valid items; each item answers for itself.
  // 200 with {"created","existing","invalid","items":[...]}; the body as a
  // whole is refused (400/413) only when it is not an array or too long.
  void enqueueBulk(http::RequestContext& ctx) {
    auto body = ctx.readJsonBody();
    if (!body) return;
    RequestError invalid;
    auto items = jobs_.enqueueBulk(*body, &invalid);
    if (!items.isOk()) {
      if (!invalid.parameter.empty()) {
        const bool tooMany = body->is_array();
        ctx.sendProblem(tooMany ? 413 : 400, tooMany ? "Content Too Large" : "Bad Request",
                        invalid.parameter + ": " + invalid.message, {{"parameter", invalid.parameter}});
      } else {
        sendStoreError(ctx, items.status());
      }
      return;
    }
    // Written as text: thousands of small items, and ids and states need no
    // escaping (job ids are [A-Za-z0-9._:@-], states are fixed words).
    std::string out;
    out.reserve(items.value().size() * 64);
    size_t created = 0, existing = 0, refused = 0;
    for (size_t i = 0; i < items.value().size(); ++i) {
      const auto& item = items.value()[i];
      out += i ? ",{" : "{";
      if (item.status == 400) {
        ++refused;
        out += "\"status\":400,\"index\":" + std::to_string(i) + ",\"parameter\":" + json(item.error.parameter).dump() +
               ",\"detail\":" +
               json("[" + std::to_string(i) + "]." + item.error.parameter + ": " + item.error.message).dump() + "}";
        continue;
      }
      ++(item.status == 201 ? created : existing);
      // Lean on purpose: ids and states; GET /api/v1/jobs/{id} has the rest.
      out += "\"status\":" + std::to_string(item.status) + ",\"id\":\"" + item.id + "\",\"state\":\"" + item.state +
             "\"}";
    }
    ctx.sendText(200, "application/json",
                 "{\"created\":" + std::to_string(created) + ",\"existing\":" + std::to_string(existing) +
                     ",\"invalid\":" + std::to_string(refused) + ",\"items\":[" + out + "]}");
  }

  void get(http::RequestContext& ctx) {
    auto record = jobs_.get(ctx.param("id"));
    if (!record.isOk()) return sendStoreError(ctx, record.status());
    if (!record.value()) {
      ctx.sendProblem(404, "Not Found", "no job with id \"" + ctx.param("id") + "\"", {{"parameter", "id"}});
      return;
    }
    ctx.sendJson(200, publicJobView(*record.value()));
  }

  void list(http::RequestContext& ctx) {
    static const std::set<std::string> known = {"state", "queue", "type", "limit", "cursor"};
    static const std::set<std::string> states = {"waiting", "active", "completed", "failed", "cancelled"};
    json filter = json::object();
    for (const auto& [name, value] : ctx.queryParams()) {
      if (!known.count(name)) {
        return bad(ctx, name, "unknown parameter (known: state, queue, type, limit, cursor)");
      }
    }
    if (auto state = ctx.query("state")) {
      if (!states.count(*state)) return bad(ctx, "state", "must be waiting, active, completed, failed or cancelled");
      filter["state"] = *state;
    }
    if (auto queue = ctx.query("queue")) {
      if (!jobs_.config().queues.count(*queue)) return bad(ctx, "queue", "no queue named \"" + *queue + "\"");
      filter["queue"] = *queue;
    }
    if (auto type = ctx.query("type")) {
      if (type->empty() || type->size() > 200) return bad(ctx, "type", "must be 1 to 200 characters");
      filter["type"] = *type;
    }
    int limit = kDefaultLimit;
    if (auto l = ctx.query("limit")) {
      auto [end, ec] = std::from_chars(l->data(), l->data() + l->size(), limit);
      if (ec != std::errc() || end != l->data() + l->size() || limit < 1 || limit > kMaxLimit) {
        return bad(ctx, "limit", "must be an integer from 1 to " + std::to_string(kMaxLimit));
      }
    }
    // One scope checks the cursor that came in and issues the next one.
    const data::CursorScope scope("jobs", "-created", filter.dump());
    if (auto cursor = ctx.query("cursor")) {
      auto after = cursors_.decode(*cursor, scope);
      // The payload is the last job id seen, as a one-element key array.
      if (!after.isOk() || !after.value().is_array() || after.value().size() != 1 || !after.value()[0].is_string()) {
        return bad(ctx, "cursor", after.isOk() ? "malformed cursor" : after.status().message());
      }
      filter["after_id"] = after.value()[0];
    }
    filter["limit"] = limit + 1;  // one extra tells whether there is another page
    auto records = jobs_.list(filter);
    if (!records.isOk()) return sendStoreError(ctx, records.status());
    auto& rows = records.value();
    const bool hasMore = rows.size() > static_cast<size_t>(limit);
    if (hasMore) rows.resize(static_cast<size_t>(limit));
    json data = json::array();
    for (const auto& r : rows) data.push_back(publicJobView(r));
    json next = hasMore && !rows.empty()
                    ? json(cursors_.encode(scope, json::array({rows.back().value("id", "")})))
                    : json(nullptr);
    ctx.sendJson(200, {{"data", data}, {"next_cursor", next}, {"has_more", hasMore}});
  }

  void cancel(http::RequestContext& ctx) { transition(ctx, "cancel"); }
  void retry(http::RequestContext& ctx) { transition(ctx, "retry"); }

  void queues(http::RequestContext& ctx) {
    auto q = jobs_.queuesJson();
    if (!q.isOk()) return sendStoreError(ctx, q.status());
    ctx.sendJson(200, q.value());
  }

 private:
  static void bad(http::RequestContext& ctx, const std::string& parameter, const std::string& message) {
    ctx.sendProblem(400, "Bad Request", parameter + ": " + message, {{"parameter", parameter}});
  }

  void transition(http::RequestContext& ctx, const char* what) {
    const std::string& id = ctx.param("id");
    Status s = std::string_view(what) == "cancel" ? jobs_.cancel(id) : jobs_.retry(id);
    if (s.code() == WNO_NOT_FOUND) {
      ctx.sendProblem(404, "Not Found", "no job with id \"" + id + "\"", {{"parameter", "id"}});
      return;
    }
    if (s.code() == WNO_ERR_PRECONDITION) {
      const char* why = std::string_view(what) == "cancel" ? "the job has already finished"
                                                           : "only failed or cancelled jobs can be retried";
      ctx.sendProblem(409, "Conflict", std::string(why) + " (" + s.message() + ")", {{"parameter", "id"}});
      return;
    }
    if (!s.isOk()) return sendStoreError(ctx, s);
    auto record = jobs_.get(id);
    if (!record.isOk() || !record.value()) return sendStoreError(ctx, record.isOk() ? Status(WNO_NOT_FOUND, id) : record.status());
    ctx.sendJson(200, publicJobView(*record.value()));
  }

  JobService& jobs_;
  const data::CursorCodec& cursors_;
};

}  // namespace

void addJobRoutes(http::Router& router, JobService& jobs, const data::CursorCodec& cursors) {
  auto routes = std::make_shared<JobRoutes>(jobs, cursors);
  using http::RouteGroup;
  router.add("POST", "/api/v1/jobs", RouteGroup::Api, [routes](auto& ctx) { routes->enqueue(ctx); });
  router.add("POST", "/api/v1/jobs/bulk", RouteGroup::Api, [routes](auto& ctx) { routes->enqueueBulk(ctx); });
  router.add("GET", "/api/v1/jobs", RouteGroup::Api, [routes](auto& ctx) { routes->list(ctx); });
  router.add("GET", "/api/v1/jobs/{id}", RouteGroup::Api, [routes](auto& ctx) { routes->get(ctx); });
  router.add("POST", "/api/v1/jobs/{id}/cancel", RouteGroup::Api, [routes](auto& ctx) { routes->cancel(ctx); });
  router.add("POST", "/api/v1/jobs/{id}/retry", RouteGroup::Api, [routes](auto& ctx) { routes->retry(ctx); });
  router.add("GET", "/api/v1/queues", RouteGroup::Api, [routes](auto& ctx) { routes->queues(ctx); });
}

}  // namespace wno::host::jobs
