#include "app/host_runtime.h"
#include "app/routes.h"
#include "core/constant_time.h"
#include "core/logger.h"

#include <Poco/Net/IPAddress.h>

namespace wno::host {
namespace {

nlohmann::json pluginsJson(PluginManager& manager) {
  nlohmann::json loaded = nlohmann::json::array();
  for (const auto& plugin : manager.plugins()) {
    nlohmann::json components = nlohmann::json::array();
    for (const auto& type : manager.components()) {
      if (type->plugin.get() != plugin.get()) continue;
      components.push_back({{"kind", kindName(type->kind)}, {"name", type->name}, {"description", type->description}});
    }
    loaded.push_back({{"name", plugin->name},
                      {"version", plugin->version},
                      {"description", plugin->description},
                      {"abi_minor", plugin->abiMinor},
                      {"abi", std::to_string(WNO_ABI_VERSION_MAJOR) + "." + std::to_string(plugin->abiMinor)},
                      {"path", plugin->path.string()},
                      {"components", components}});
  }
  nlohmann::json refused = nlohmann::json::array();
  for (const auto& r : manager.refusals()) {
    refused.push_back({{"name", r.name}, {"path", r.path.string()}, {"reason", r.reason}, {"fix", r.fix},
                       {"required", r.required}});
  }
  return {{"host_abi", std::to_string(WNO_ABI_VERSION_MAJOR) + "." + std::to_string(WNO_ABI_VERSION_MINOR)},
          {"plugins", loaded},
          {"refused", refused}};
}

}  // namespace

http::Middleware adminAuthMiddleware(std::string apiKey) {
  if (apiKey.empty()) {
    logWarn("admin", "no admin key configured (/admin/api_key or WNO_ADMIN_KEY): admin API answers loopback clients only");
  }
  return [apiKey](http::RequestContext& ctx, const http::Route& route) {
    if (route.group != http::RouteGroup::Admin) return false;
    if (apiKey.empty()) {
      if (ctx.request().clientAddress().loopback) return false;
      ctx.sendProblem(403, "Forbidden", "the admin API answers loopback clients only when no admin key is configured");
      return true;
    }
    // A copy: Poco returns a reference to the default when the header is absent.
    const std::string header = ctx.request().get("Authorization", "");
    const std::string prefix = "Bearer ";
    if (header.rfind(prefix, 0) == 0 && constantTimeEquals(header.substr(prefix.size()), apiKey)) return false;
    ctx.response().set("WWW-Authenticate", "Bearer realm=\"wno-admin\"");
    ctx.sendProblem(401, "Unauthorized", "the admin API needs the header Authorization: Bearer <admin key>",
                    {{"parameter", "Authorization"}});
    return true;
  };
}

void addAdminRoutes(http::Router& router, HostRuntime& runtime, CacheService* cache) {
  router.add("GET", "/admin/plugins", http::RouteGroup::Admin,
             [&runtime](http::RequestContext& ctx) { ctx.sendJson(200, pluginsJson(runtime.plugins())); });

  router.add("GET", "/admin/cache/stats", http::RouteGroup::Admin, [cache](http::RequestContext& ctx) {
    if (!cache) {
      ctx.sendJson(200, {{"levels", nlohmann::json::array()}});
      return;
    }
    ctx.sendJson(200, cache->stats());
  });

  router.add("POST", "/admin/cache/invalidate", http::RouteGroup::Admin, [cache](http::RequestContext& ctx) {
    auto body = ctx.readJsonBody();
    if (!body) return;
    if (!body->is_object() || !body->contains("tags") || !(*body)["tags"].is_array()) {
      ctx.sendProblem(400, "Bad Request", "expected {\"tags\": [\"tag\", ...]}", {{"parameter", "tags"}});
      return;
    }
    for (auto it = body->begin(); it != body->end(); ++it) {
      if (it.key() != "tags") {
        ctx.sendProblem(400, "Bad Request", "unknown field \"" + it.key() + "\"", {{"parameter", it.key()}});
        return;
      }
    }
    uint64_t total = 0;
    for (const auto& tag : (*body)["tags"]) {
      if (!tag.is_string() || tag.get<std::string>().empty()) {
        ctx.sendProblem(400, "Bad Request", "every tag must be a non-empty string", {{"parameter", "tags"}});
        return;
      }
    }
    if (cache) {
      for (const auto& tag : (*body)["tags"]) {
        auto removed = cache->invalidateTag(tag.get<std::string>());
        if (!removed.isOk()) {
          ctx.sendProblem(503, "Service Unavailable", removed.status().message());
          return;
        }
        total += removed.value();
      }
    }
    ctx.sendJson(200, {{"invalidated", total}});
  });
}

}  // namespace wno::host
