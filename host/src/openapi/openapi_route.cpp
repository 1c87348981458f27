#include "openapi/openapi_route.h"

#include "core/fnv1a.h"
#include "http/etag.h"

#include <memory>

namespace wno::host::openapi {

std::string etagOf(std::string_view body) { return "\"" + fnv1a64Hex(body) + "\""; }

void addOpenApiRoute(http::Router& router, const nlohmann::json& document) {
  struct Served {
    std::string body;
    std::string etag;
  };
  auto served = std::make_shared<Served>();
  served->body = document.dump();
  served->etag = etagOf(served->body);
  // Inline: the bytes are ready, nothing here blocks. Health group: never
  // shed, so clients and tooling can read the contract of a busy host.
  router.add("GET", "/openapi.json", http::RouteGroup::Health, [served](http::RequestContext& ctx) {
    ctx.response().set("ETag", served->etag);
    ctx.response().set("Cache-Control", "no-cache");
    if (ifNoneMatchHits(ctx.request().get("If-None-Match", ""), served->etag)) {
      ctx.sendEmpty(304);
      return;
    }
    ctx.sendText(200, "application/json", served->body);
  }, http::Execution::Inline);
}

}  // namespace wno::host::openapi
