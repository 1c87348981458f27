#include "openapi/spec_parts.h"

#include <cctype>

namespace wno::host::openapi {

using nlohmann::json;

json ref(const std::string& section, const std::string& name) {
  return {{"$ref", "#/components/" + section + "/" + name}};
}

json problemResponse(const std::string& description) {
  return {{"description", description},
          {"content", {{"application/problem+json", {{"schema", ref("schemas", "Problem")}}}}}};
}

json jsonResponse(const std::string& description, json schema, json headers) {
  json r = {{"description", description}, {"content", {{"application/json", {{"schema", std::move(schema)}}}}}};
  if (!headers.empty()) r["headers"] = std::move(headers);
  return r;
}

json withApiErrors(json responses) {
  // Added by the HTTP engine and the protection middleware in front of
  // every public route, whatever the handler does.
  responses["413"] = ref("responses", "PayloadTooLarge");
  responses["429"] = ref("responses", "TooManyRequests");
  responses["503"] = ref("responses", "ServiceUnavailable");
  responses["default"] = ref("responses", "Error");
  return responses;
}

json withAdminErrors(json responses) {
  responses["401"] = ref("responses", "Unauthorized");
  responses["403"] = ref("responses", "Forbidden");
  responses["default"] = ref("responses", "Error");
  return responses;
}

std::string schemaName(const std::string& name) {
  std::string out;
  bool upper = true;
  for (char c : name) {
    if (c == '_' || c == '-' || c == '.') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out;
}

void addCommonComponents(json& doc) {
  json& components = doc["components"];
  // RFC 9457; the host adds "request_id" to every problem and "parameter"
  // when one parameter, header or body member is to blame.
  components["schemas"]["Problem"] = {
      {"type", "object"},
      {"description", "RFC 9457 problem details. `parameter` names the offending query parameter, header or body member."},
      {"required", {"type", "title", "status", "detail"}},
      {"properties",
       {{"type", {{"type", "string"}}},
        {"title", {{"type", "string"}}},
        {"status", {{"type", "integer"}, {"minimum", 400}, {"maximum", 599}}},
        {"detail", {{"type", "string"}}},
        {"instance", {{"type", "string"}}},
        {"request_id", {{"type", "string"}}},
        {"parameter", {{"type", "string"}}}}},
      {"additionalProperties", true}};

  json& headers = components["headers"];
  headers["ETag"] = {{"description", "Entity tag of the representation; send it back in If-None-Match or If-Match."},
                     {"schema", {{"type", "string"}}}};
  headers["Location"] = {{"description", "Where the created resource lives."}, {"schema", {{"type", "string"}}}};
  headers["RetryAfter"] = {{"description", "Seconds to wait before retrying."},
                           {"schema", {{"type", "integer"}, {"minimum", 0}}}};
  headers["RateLimit"] = {{"description", "Remaining quota (IETF draft RateLimit header fields)."},
                          {"schema", {{"type", "string"}}}};
  headers["RateLimitPolicy"] = {{"description", "The quota policy (IETF draft RateLimit header fields)."},
                                {"schema", {{"type", "string"}}}};
  headers["CacheControl"] = {{"description", "How long a read may be cached."}, {"schema", {{"type", "string"}}}};

  json& responses = components["responses"];
  responses["BadRequest"] = problemResponse("The request is malformed; `parameter` names what to fix.");
  responses["NotFound"] = problemResponse("No such resource.");
  responses["Conflict"] = problemResponse("The request conflicts with the resource's state (a unique value taken, a job already finished).");
  responses["PreconditionFailed"] = problemResponse("If-Match names a version that is not the current one.");
  responses["PreconditionRequired"] = problemResponse("The request needs If-Match with the entity's ETag.");
  responses["PayloadTooLarge"] = problemResponse("The body is larger than the host accepts.");
  responses["TooManyRequests"] = problemResponse("A rate limit was reached; retry after Retry-After seconds.");
  responses["TooManyRequests"]["headers"] = {{"Retry-After", ref("headers", "RetryAfter")},
                                             {"RateLimit", ref("headers", "RateLimit")},
                                             {"RateLimit-Policy", ref("headers", "RateLimitPolicy")}};
  responses["ServiceUnavailable"] = problemResponse("Overloaded, at capacity, or a dependency is down; retry after Retry-After seconds.");
  responses["ServiceUnavailable"]["headers"] = {{"Retry-After", ref("headers", "RetryAfter")}};
  responses["Unauthorized"] = problemResponse("The admin API needs Authorization: Bearer <admin key>.");
  responses["Forbidden"] = problemResponse("With no admin key configured the admin API answers loopback clients only.");
  responses["Error"] = problemResponse("Any other error (404 for unknown routes, 405, 500).");
  responses["NotModified"] = {{"description", "The client's copy (If-None-Match) is current."},
                              {"headers", {{"ETag", ref("headers", "ETag")}}}};

  components["securitySchemes"]["adminKey"] = {
      {"type", "http"},
      {"scheme", "bearer"},
      {"description", "The admin key (env WNO_ADMIN_KEY or /admin/api_key). With none configured, admin routes answer loopback clients only."}};
}

}  // namespace wno::host::openapi
