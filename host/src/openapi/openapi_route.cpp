#include "openapi/openapi_route.h"

#include <cstdio>
#include <memory>

namespace wno::host::openapi {
namespace {

// If-None-Match: "*" or a comma-separated list of (weak or strong) tags.
bool matches(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    const size_t comma = header.find(',');
    std::string_view candidate = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    while (!candidate.empty() && candidate.front() == ' ') candidate.remove_prefix(1);
    while (!candidate.empty() && candidate.back() == ' ') candidate.remove_suffix(1);
    if (candidate.substr(0, 2) == "W/") candidate.remove_prefix(2);
    if (candidate == "*" || candidate == etag) return true;
  }
  return false;
}

}  // namespace

std::string etagOf(std::string_view body) {
  uint64_t hash = 1469598103934665603ULL;
  for (unsigned char c : body) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  char text[24];
  std::snprintf(text, sizeof text, "\"%016llx\"", static_cast<unsigned long long>(hash));
  return text;
}

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
    if (matches(ctx.request().get("If-None-Match", ""), served->etag)) {
      ctx.sendEmpty(304);
      return;
    }
    ctx.sendText(200, "application/json", served->body);
  }, http::Execution::Inline);
}

}  // namespace wno::host::openapi
