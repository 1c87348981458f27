#include "dashboard/dashboard_routes.h"

#include "dashboard/dashboard_assets.h"
#include "openapi/openapi_route.h"

#include <map>
#include <memory>

namespace wno::host::dashboard {
namespace {

struct Served {
  std::string contentType;
  std::string body;
  std::string etag;
};

void answer(http::RequestContext& ctx, const Served& file) {
  // The page runs only its own script and styles, talks only to this host,
  // and cannot be framed (no clickjacking of the retry and invalidate buttons).
  ctx.response().set("Content-Security-Policy",
                     "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                     "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'");
  ctx.response().set("X-Content-Type-Options", "nosniff");
  ctx.response().set("Referrer-Policy", "no-referrer");
  ctx.response().set("Cache-Control", "no-cache");
  ctx.response().set("ETag", file.etag);
  const std::string ifNoneMatch = ctx.request().get("If-None-Match", "");
  if (!ifNoneMatch.empty() && ifNoneMatch == file.etag) {
    ctx.sendEmpty(304);
    return;
  }
  ctx.sendText(200, file.contentType, file.body);
}

}  // namespace

void addDashboardRoutes(http::Router& router) {
  auto files = std::make_shared<std::map<std::string, Served, std::less<>>>();
  for (const Asset& asset : dashboardAssets()) {
    Served s{std::string(asset.contentType), std::string(asset.body), openapi::etagOf(asset.body)};
    files->emplace(std::string(asset.name), std::move(s));
  }
  // Health group and inline: static bytes, never shed, so an operator can
  // open the dashboard on an overloaded host, which is when it is needed.
  router.add("GET", "/admin/ui", http::RouteGroup::Health, [files](http::RequestContext& ctx) {
    answer(ctx, files->at("index.html"));
  }, http::Execution::Inline);
  router.add("GET", "/admin/ui/{asset}", http::RouteGroup::Health, [files](http::RequestContext& ctx) {
    auto it = files->find(ctx.param("asset"));
    if (it == files->end()) {
      ctx.sendProblem(404, "Not Found", "no dashboard file named \"" + ctx.param("asset") + "\"",
                      {{"parameter", "asset"}});
      return;
    }
    answer(ctx, it->second);
  }, http::Execution::Inline);
}

}  // namespace wno::host::dashboard
