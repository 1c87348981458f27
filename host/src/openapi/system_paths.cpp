// Health, metrics and the document itself as OpenAPI. Their bodies are
// operator-facing snapshots that grow over time, so the schemas pin the
// members clients and dashboards rely on and allow more.
#include "openapi/spec_parts.h"

namespace wno::host::openapi {
namespace {

using nlohmann::json;

json probeSchema() {
  return {{"type", "object"},
          {"required", {"name", "type", "status", "latency_ms", "age_ms"}},
          {"properties",
           {{"name", {{"type", "string"}}},
            {"type", {{"type", "string"}}},
            {"required", {{"type", "boolean"}}},
            {"status", {{"type", "string"}, {"enum", {"up", "degraded", "down", "unknown"}}}},
            {"message", {{"type", "string"}}},
            {"details", {{"description", "probe-specific details"}}},
            {"latency_ms", {{"type", "number"}}},
            {"age_ms", {{"type", "number"}}},
            {"load", {{"type", {"number", "null"}}, {"minimum", 0}, {"maximum", 1}}},
            {"timed_out", {{"type", "boolean"}}},
            {"circuit", {{"type", "string"}}}}}};
}

json breakerSchema() {
  return {{"type", "object"},
          {"required", {"name", "kind", "state"}},
          {"properties",
           {{"name", {{"type", "string"}}},
            {"kind", {{"type", "string"}}},
            {"state", {{"type", "string"}, {"enum", {"closed", "open", "half_open"}}}},
            {"consecutive_failures", {{"type", "integer"}}},
            {"retry_in_ms", {{"type", "integer"}}},
            {"rejected", {{"type", "integer"}}},
            {"transitions", {{"type", "integer"}}},
            {"stale_outcomes", {{"type", "integer"}}}}}};
}

json healthSchema() {
  json load = {{"type", {"object", "null"}},
               {"properties",
                {{"value", {{"type", "number"}}},
                 {"raw", {{"type", "number"}}},
                 {"sampled_at_ms", {{"type", "integer"}}},
                 {"signals", {{"type", "object"},
                              {"additionalProperties",
                               {{"type", "object"},
                                {"properties", {{"weight", {{"type", "number"}}}, {"value", {{"type", {"number", "null"}}}}}}}}}}}}};
  return {{"type", "object"},
          {"required", {"status", "version", "load_factor", "probes", "breakers", "resources"}},
          {"properties",
           {{"status", {{"type", "string"}, {"enum", {"up", "degraded", "down"}}}},
            {"version", {{"type", "string"}}},
            {"abi", {{"type", "string"}}},
            {"uptime_s", {{"type", "number"}}},
            {"load_factor", {{"type", "number"}, {"minimum", 0}, {"maximum", 1}}},
            {"load", load},
            {"accepting", {{"type", "boolean"}}},
            {"shedding", {{"type", "boolean"}}},
            {"protection", {{"type", {"object", "null"}}}},
            {"http_in_flight", {{"type", "integer"}}},
            {"resources", {{"type", "object"}}},
            {"jobs", {{"type", {"object", "null"}},
                      {"description", "worker: this host's worker id; running: jobs running here; "
                                      "oldest_lease_age_ms: the longest any job held here has gone since its "
                                      "lease was last extended (near the lease length, it may be taken back)"}}},
            {"probes", {{"type", "array"}, {"items", ref("schemas", "Probe")}}},
            {"breakers", {{"type", "array"}, {"items", ref("schemas", "Breaker")}}}}}};
}

json textResponse(const std::string& description, const std::string& type) {
  return {{"description", description}, {"content", {{type, {{"schema", {{"type", "string"}}}}}}}};
}

}  // namespace

void addSystemPaths(json& doc) {
  json& schemas = doc["components"]["schemas"];
  schemas["Probe"] = probeSchema();
  schemas["Breaker"] = breakerSchema();
  schemas["Health"] = healthSchema();
  const json verbose = {{"name", "verbose"}, {"in", "query"}, {"allowEmptyValue", true},
                        {"description", "Answer in plain text for humans."}, {"schema", {{"type", "string"}}}};
  json& paths = doc["paths"];
  const json tags = {"health"};

  json livez = textResponse("The process answers.", "text/plain");
  livez["content"]["application/json"]["schema"] = {
      {"type", "object"}, {"required", {"status"}}, {"properties", {{"status", {{"type", "string"}, {"const", "alive"}}}}}};
  paths["/livez"]["get"] = {{"operationId", "livez"}, {"summary", "Liveness (Kubernetes semantics)"}, {"tags", tags},
                            {"parameters", {verbose}}, {"responses", {{"200", livez}, {"default", ref("responses", "Error")}}}};

  json readyBody = {{"type", "object"},
                    {"required", {"status", "reasons"}},
                    {"properties",
                     {{"status", {{"type", "string"}, {"enum", {"ready", "not_ready"}}}},
                      {"reasons", {{"type", "array"}, {"items", {{"type", "string"}}}}}}}};
  json ready = textResponse("Ready for traffic.", "text/plain");
  ready["content"]["application/json"]["schema"] = readyBody;
  json notReady = textResponse("Not ready; reasons say why.", "text/plain");
  notReady["content"]["application/json"]["schema"] = readyBody;
  notReady["headers"] = {{"Retry-After", ref("headers", "RetryAfter")}};
  paths["/readyz"]["get"] = {{"operationId", "readyz"}, {"summary", "Readiness (Kubernetes semantics)"}, {"tags", tags},
                             {"parameters", {verbose}},
                             {"responses", {{"200", ready}, {"503", notReady}, {"default", ref("responses", "Error")}}}};

  paths["/health"]["get"] = {
      {"operationId", "health"}, {"summary", "Full health: status, load factor and its signals, resources, probes, breakers"},
      {"tags", tags},
      {"responses", {{"200", jsonResponse("Up or degraded.", ref("schemas", "Health"))},
                     {"503", jsonResponse("Down.", ref("schemas", "Health"))},
                     {"default", ref("responses", "Error")}}}};

  json history = {{"type", "object"},
                  {"required", {"interval_ms", "samples"}},
                  {"properties",
                   {{"interval_ms", {{"type", "integer"}}},
                    {"samples", {{"type", "array"},
                                 {"items", {{"type", "object"},
                                            {"required", {"at_ms", "value"}},
                                            {"properties", {{"at_ms", {{"type", "integer"}}},
                                                            {"value", {{"type", "number"}}},
                                                            {"raw", {{"type", "number"}}}}}}}}}}}};
  paths["/health/history"]["get"] = {
      {"operationId", "health_history"}, {"summary", "Recent load factor samples, oldest first"}, {"tags", tags},
      {"responses", {{"200", jsonResponse("The samples kept.", history)}, {"default", ref("responses", "Error")}}}};

  paths["/metrics"]["get"] = {
      {"operationId", "metrics"}, {"summary", "Prometheus metrics"}, {"tags", {"metrics"}},
      {"responses", {{"200", textResponse("Prometheus text format 0.0.4.", "text/plain")},
                     {"default", ref("responses", "Error")}}}};

  json document = jsonResponse("This document.", {{"type", "object"}, {"required", {"openapi", "info", "paths"}}},
                               {{"ETag", ref("headers", "ETag")}});
  paths["/openapi.json"]["get"] = {
      {"operationId", "openapi"}, {"summary", "This OpenAPI 3.1 document, generated from the running config"},
      {"tags", {"meta"}},
      {"parameters", {{{"name", "If-None-Match"}, {"in", "header"}, {"schema", {{"type", "string"}}}}}},
      {"responses", {{"200", document}, {"304", ref("responses", "NotModified")}, {"default", ref("responses", "Error")}}}};
}

}  // namespace wno::host::openapi
