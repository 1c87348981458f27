// The admin API as OpenAPI: every operation needs the bearer admin key
// (security scheme adminKey). The dashboard's page itself (/admin/ui) holds
// no data and needs none; everything it shows comes from key-checked calls.
#include "openapi/spec_parts.h"

namespace wno::host::openapi {

using nlohmann::json;

namespace {

// GET /admin/plugins: the loaded plugins and the refused ones with why.
json pluginsSchema() {
  return {
      {"type", "object"},
      {"required", {"host_abi", "plugins", "refused"}},
      {"properties",
       {{"host_abi", {{"type", "string"}}},
        {"plugins", {{"type", "array"},
                     {"items", {{"type", "object"},
                                {"required", {"name", "version", "abi", "path", "components"}},
                                {"properties", {{"name", {{"type", "string"}}},
                                                {"version", {{"type", "string"}}},
                                                {"description", {{"type", "string"}}},
                                                {"abi_minor", {{"type", "integer"}}},
                                                {"abi", {{"type", "string"}}},
                                                {"path", {{"type", "string"}}},
                                                {"components", {{"type", "array"},
                                                                {"items", {{"type", "object"},
                                                                           {"required", {"kind", "name"}},
                                                                           {"properties", {{"kind", {{"type", "string"}}},
                                                                                           {"name", {{"type", "string"}}},
                                                                                           {"description", {{"type", "string"}}}}}}}}}}}}}}},
        {"refused", {{"type", "array"},
                     {"items", {{"type", "object"},
                                {"required", {"name", "reason"}},
                                {"properties", {{"name", {{"type", "string"}}},
                                                {"path", {{"type", "string"}}},
                                                {"reason", {{"type", "string"}}},
                                                {"fix", {{"type", "string"}}},
                                                {"required", {{"type", "boolean"}}}}}}}}}}}};
}

// GET /admin/cache/stats: per level, and per region the lookups' outcomes.
json cacheStatsSchema() {
  const json ratio = {{"type", "number"}, {"minimum", 0}, {"maximum", 1}, {"description", "share of lookups since start"}};
  json region = {{"type", "object"},
                 {"properties", {{"hits", {{"type", "integer"}}},
                                 {"hits_by_level", {{"type", "object"}, {"additionalProperties", {{"type", "integer"}}}}},
                                 {"hit_ratio", ratio},
                                 {"hit_ratio_by_level", {{"type", "object"}, {"additionalProperties", ratio}}},
                                 {"misses", {{"type", "integer"}}},
                                 {"stale_served", {{"type", "integer"}}},
                                 {"computes", {{"type", "integer"}}},
                                 {"distributed_waits", {{"type", "integer"}}},
                                 {"distributed_joins", {{"type", "integer"}}},
                                 {"distributed_waits_exceeded", {{"type", "integer"}}},
                                 {"ttl_multiplier", {{"type", "number"}}},
                                 {"ttl_ms", {{"type", "integer"}}}}}};
  return {
      {"type", "object"},
      {"required", {"levels"}},
      {"properties",
       {{"levels", {{"type", "array"},
                    {"items", {{"type", "object"},
                               {"required", {"name", "backend"}},
                               {"properties", {{"name", {{"type", "string"}}},
                                               {"backend", {{"type", "string"}}},
                                               {"circuit", {{"type", "string"}}},
                                               {"stats", {{"type", "object"}, {"description", "what the backend reports"}}}}}}}}},
        {"regions", {{"type", "object"}, {"additionalProperties", region}}},
        {"load_factor", {{"type", "number"}}},
        {"adaptive_ttl", {{"type", "object"}}},
        {"fail_safe_ms", {{"type", "integer"}}},
        {"distributed_single_flight",
         {{"type", "object"},
          {"properties", {{"enabled", {{"type", "boolean"}}},
                          {"lease_level", {{"type", {"string", "null"}}}},
                          {"lease_ms", {{"type", "integer"}}},
                          {"wait_ms", {{"type", "integer"}}}}}}}}}};
}

}  // namespace

void addAdminPaths(json& doc) {
  json& schemas = doc["components"]["schemas"];
  schemas["Plugins"] = pluginsSchema();
  schemas["CacheStats"] = cacheStatsSchema();

  const json security = json::array({{{"adminKey", json::array()}}});
  const json tags = {"admin"};
  json& paths = doc["paths"];
  paths["/admin/plugins"]["get"] = {
      {"operationId", "admin_plugins"}, {"summary", "Plugins loaded and refused, with the reasons"}, {"tags", tags},
      {"security", security},
      {"responses", withAdminErrors({{"200", jsonResponse("Loaded and refused plugins.", ref("schemas", "Plugins"))}})}};
  paths["/admin/cache/stats"]["get"] = {
      {"operationId", "admin_cache_stats"}, {"summary", "Cache statistics per level and region"}, {"tags", tags},
      {"security", security},
      {"responses", withAdminErrors({{"200", jsonResponse("Cache statistics.", ref("schemas", "CacheStats"))}})}};
  json invalidate = {{"type", "object"},
                     {"required", {"tags"}},
                     {"additionalProperties", false},
                     {"properties", {{"tags", {{"type", "array"}, {"items", {{"type", "string"}, {"minLength", 1}}}}}}}};
  json invalidated = {{"type", "object"},
                      {"required", {"invalidated"}},
                      {"properties", {{"invalidated", {{"type", "integer"}, {"minimum", 0}}}}}};
  paths["/admin/cache/invalidate"]["post"] = {
      {"operationId", "admin_cache_invalidate"}, {"summary", "Drop every cached entry carrying any of the tags"},
      {"tags", tags}, {"security", security},
      {"requestBody", {{"required", true}, {"content", {{"application/json", {{"schema", invalidate}}}}}}},
      {"responses", withAdminErrors({{"200", jsonResponse("How many entries were dropped.", invalidated)},
                                     {"400", ref("responses", "BadRequest")},
                                     {"503", ref("responses", "ServiceUnavailable")}})}};
  paths["/admin/ui"]["get"] = {
      {"operationId", "admin_ui"},
      {"summary", "The dashboard (its page holds no data; it asks for the admin key and sends it as a bearer token)"},
      {"tags", tags},
      {"responses", {{"200", {{"description", "The dashboard page."},
                              {"content", {{"text/html", {{"schema", {{"type", "string"}}}}}}}}},
                     {"default", ref("responses", "Error")}}}};
}

}  // namespace wno::host::openapi
