// The jobs API as OpenAPI: the enqueue request mirrors jobRecordFromRequest
// (same members, ranges and enums: the configured job types and queues),
// the job view mirrors publicJobView.
#include "openapi/spec_parts.h"

namespace wno::host::openapi {
namespace {

using nlohmann::json;

constexpr int64_t kMaxDelayMs = 366LL * 24 * 3600 * 1000;  // job_request.cpp's bound
const char* const kJobIdPattern = "^[A-Za-z0-9._:@-]{1,200}$";

json nullable(json schema) {
  schema["type"] = json::array({schema["type"], "null"});
  return schema;
}

json timeOrNull() { return {{"type", {"string", "null"}}, {"format", "date-time"}}; }

json jobSchema(const json& types, const json& queues) {
  json backoff = {{"type", {"object", "null"}},
                  {"properties",
                   {{"type", {{"type", "string"}, {"enum", {"fixed", "exponential"}}}},
                    {"delay_ms", {{"type", "integer"}, {"minimum", 0}}},
                    {"jitter", {{"type", "number"}, {"minimum", 0}, {"maximum", 1}}}}}};
  json states = {"waiting", "active", "completed", "failed", "cancelled"};
  return {{"type", "object"},
          {"description", "A job as clients see it: state, attempts, last error and timings."},
          {"required", {"id", "type", "queue", "priority", "state", "attempts_made", "max_attempts", "created_at"}},
          {"properties",
           {{"id", {{"type", "string"}}},
            {"type", {{"type", "string"}, {"enum", types}}},
            {"queue", {{"type", "string"}, {"enum", queues}}},
            {"priority", {{"type", "string"}, {"enum", {"critical", "high", "normal", "low"}}}},
            {"state", {{"type", "string"}, {"enum", states}}},
            {"data", {{"description", "the job's data, as enqueued"}}},
            {"attempts_made", {{"type", "integer"}, {"minimum", 0}}},
            {"max_attempts", {{"type", "integer"}, {"minimum", 0}}},
            {"backoff", backoff},
            {"timeout_ms", {{"type", "integer"}, {"minimum", 0}}},
            {"created_at", timeOrNull()},
            {"run_at", timeOrNull()},
            {"started_at", timeOrNull()},
            {"finished_at", timeOrNull()},
            {"lease_owner", {{"type", {"string", "null"}}}},
            {"lease_expires_at", timeOrNull()},
            {"last_error", {{"type", {"string", "null"}}}},
            {"result", {{"description", "what the handler returned, or null"}}},
            {"cancel_requested", {{"type", "boolean"}}},
            {"wait_ms", nullable({{"type", "integer"}, {"minimum", 0}})},
            {"run_ms", nullable({{"type", "integer"}, {"minimum", 0}})}}},
          {"additionalProperties", false}};
}

// One enqueue request; with declared data schemas, `data` is checked per type.
json jobRequestSchema(const json& types, const json& queues, const std::map<std::string, json>& dataSchemas) {
  json s = {{"type", "object"},
            {"required", {"type"}},
            {"additionalProperties", false},
            {"properties",
             {{"type", {{"type", "string"}, {"enum", types}, {"description", "A configured job type."}}},
              {"data", {{"description", "Input for the job's handler."}}},
              {"priority", {{"type", "string"}, {"enum", {"critical", "high", "normal", "low"}}}},
              {"attempts", {{"type", "integer"}, {"minimum", 1}, {"maximum", 1000}}},
              {"backoff",
               {{"type", "object"},
                {"additionalProperties", false},
                {"properties",
                 {{"type", {{"type", "string"}, {"enum", {"fixed", "exponential"}}}},
                  {"delay_ms", {{"type", "integer"}, {"minimum", 0}, {"maximum", kMaxDelayMs}}},
                  {"jitter", {{"type", "number"}, {"minimum", 0}, {"maximum", 1}}}}}}},
              {"job_id", {{"type", "string"}, {"pattern", kJobIdPattern},
                          {"description", "Makes the enqueue idempotent: the same job_id answers the existing job (200)."}}},
              {"delay_ms", {{"type", "integer"}, {"minimum", 0}, {"maximum", kMaxDelayMs}}},
              {"timeout_ms", {{"type", "integer"}, {"minimum", 0}, {"maximum", kMaxDelayMs}}},
              {"queue", {{"type", "string"}, {"enum", queues}}}}}};
  // A handler that declares the shape of its data gets it checked by
  // clients too: if type is T then data must match T's schema.
  json conditions = json::array();
  for (const auto& [type, schema] : dataSchemas) {
    conditions.push_back({{"if", {{"properties", {{"type", {{"const", type}}}}}, {"required", {"type"}}}},
                          {"then", {{"properties", {{"data", schema}}}}}});
  }
  if (!conditions.empty()) s["allOf"] = conditions;
  return s;
}

json bulkResultSchema() {
  json accepted = {{"type", "object"},
                   {"required", {"status", "id", "state"}},
                   {"additionalProperties", false},
                   {"properties",
                    {{"status", {{"type", "integer"}, {"enum", {200, 201}}}},
                     {"id", {{"type", "string"}}},
                     {"state", {{"type", "string"}}}}}};
  json refused = {{"type", "object"},
                  {"required", {"status", "index", "parameter", "detail"}},
                  {"additionalProperties", false},
                  {"properties",
                   {{"status", {{"type", "integer"}, {"const", 400}}},
                    {"index", {{"type", "integer"}, {"minimum", 0}}},
                    {"parameter", {{"type", "string"}}},
                    {"detail", {{"type", "string"}}}}}};
  return {{"type", "object"},
          {"required", {"created", "existing", "invalid", "items"}},
          {"additionalProperties", false},
          {"properties",
           {{"created", {{"type", "integer"}, {"minimum", 0}}},
            {"existing", {{"type", "integer"}, {"minimum", 0}}},
            {"invalid", {{"type", "integer"}, {"minimum", 0}}},
            {"items", {{"type", "array"}, {"items", {{"oneOf", {accepted, refused}}}}}}}}};
}

json queuesSchema(const json& queues) {
  json queue = {{"type", "object"},
                {"required", {"name", "concurrency", "critical", "paused", "counts", "rates"}},
                {"properties",
                 {{"name", {{"type", "string"}, {"enum", queues}}},
                  {"concurrency", {{"type", "integer"}}},
                  {"critical", {{"type", "boolean"}}},
                  {"pause_above_load", {{"type", {"number", "null"}}}},
                  {"paused", {{"type", "boolean"}}},
                  {"running_here", {{"type", "integer"}}},
                  {"counts", {{"type", "object"}, {"additionalProperties", {{"type", "integer"}}},
                              {"description", "jobs per state"}}},
                  {"rates", {{"type", "object"}, {"description", "recent completions and failures per second"}}}}}};
  return {{"type", "object"},
          {"required", {"queues"}},
          {"properties",
           {{"worker", {{"type", "string"}}},
            {"store", {{"type", "string"}}},
            {"queues", {{"type", "array"}, {"items", queue}}}}}};
}

json jobIdParameter() {
  return {{"name", "id"}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}, {"pattern", kJobIdPattern}}}};
}

}  // namespace

void addJobPaths(json& doc, const jobs::JobsConfig& config, const std::map<std::string, json>& dataSchemas) {
  json types = json::array(), queues = json::array();
  for (const auto& [name, t] : config.types) types.push_back(name);
  for (const auto& [name, q] : config.queues) queues.push_back(name);
  json& schemas = doc["components"]["schemas"];
  schemas["Job"] = jobSchema(types, queues);
  schemas["JobRequest"] = jobRequestSchema(types, queues, dataSchemas);
  schemas["JobBulkResult"] = bulkResultSchema();
  schemas["Queues"] = queuesSchema(queues);
  for (const auto& [type, schema] : dataSchemas) schemas[schemaName(type) + "Data"] = schema;

  const json tags = {"jobs"};
  const json jobBody = {{"required", true}, {"content", {{"application/json", {{"schema", ref("schemas", "JobRequest")}}}}}};
  json& paths = doc["paths"];
  paths["/api/v1/jobs"]["post"] = {
      {"operationId", "enqueue_job"}, {"summary", "Enqueue a job"}, {"tags", tags}, {"requestBody", jobBody},
      {"responses", withApiErrors({{"201", jsonResponse("Enqueued.", ref("schemas", "Job"), {{"Location", ref("headers", "Location")}})},
                                   {"200", jsonResponse("A job with this job_id already exists.", ref("schemas", "Job"),
                                                        {{"Location", ref("headers", "Location")}})},
                                   {"400", ref("responses", "BadRequest")}})}};
  paths["/api/v1/jobs/bulk"]["post"] = {
      {"operationId", "enqueue_jobs"},
      {"summary", "Enqueue many jobs in one transaction; each item answers for itself"},
      {"tags", tags},
      {"requestBody", {{"required", true},
                       {"content", {{"application/json", {{"schema", {{"type", "array"}, {"maxItems", config.bulkMax},
                                                                        {"items", ref("schemas", "JobRequest")}}}}}}}}},
      {"responses", withApiErrors({{"200", jsonResponse("Per item: 201 new, 200 existing, 400 refused.", ref("schemas", "JobBulkResult"))},
                                   {"400", ref("responses", "BadRequest")}})}};
  json listParams = {
      {{"name", "state"}, {"in", "query"}, {"schema", {{"type", "string"}, {"enum", {"waiting", "active", "completed", "failed", "cancelled"}}}}},
      {{"name", "queue"}, {"in", "query"}, {"schema", {{"type", "string"}, {"enum", queues}}}},
      {{"name", "type"}, {"in", "query"}, {"schema", {{"type", "string"}, {"minLength", 1}, {"maxLength", 200}}}},
      {{"name", "limit"}, {"in", "query"}, {"schema", {{"type", "integer"}, {"minimum", 1}, {"maximum", 100}, {"default", 20}}}},
      {{"name", "cursor"}, {"in", "query"}, {"schema", {{"type", "string"}, {"minLength", 1}}}}};
  json page = {{"type", "object"},
               {"required", {"data", "next_cursor", "has_more"}},
               {"additionalProperties", false},
               {"properties",
                {{"data", {{"type", "array"}, {"items", ref("schemas", "Job")}}},
                 {"next_cursor", {{"type", {"string", "null"}}}},
                 {"has_more", {{"type", "boolean"}}}}}};
  paths["/api/v1/jobs"]["get"] = {
      {"operationId", "list_jobs"}, {"summary", "List jobs, newest first, by state, queue and type"}, {"tags", tags},
      {"parameters", listParams},
      {"responses", withApiErrors({{"200", jsonResponse("One page.", page)}, {"400", ref("responses", "BadRequest")}})}};
  paths["/api/v1/jobs/{id}"]["get"] = {
      {"operationId", "get_job"}, {"summary", "A job's state, attempts, last error and timings"}, {"tags", tags},
      {"parameters", {jobIdParameter()}},
      {"responses", withApiErrors({{"200", jsonResponse("The job.", ref("schemas", "Job"))},
                                   {"404", ref("responses", "NotFound")}})}};
  for (const char* action : {"cancel", "retry"}) {
    const bool cancel = std::string(action) == "cancel";
    paths["/api/v1/jobs/{id}/" + std::string(action)]["post"] = {
        {"operationId", std::string(action) + "_job"},
        {"summary", cancel ? "Cancel a job that has not finished" : "Run a failed or cancelled job again"},
        {"tags", tags},
        {"parameters", {jobIdParameter()}},
        {"responses", withApiErrors({{"200", jsonResponse("The job after the change.", ref("schemas", "Job"))},
                                     {"404", ref("responses", "NotFound")},
                                     {"409", ref("responses", "Conflict")}})}};
  }
  paths["/api/v1/queues"]["get"] = {
      {"operationId", "list_queues"}, {"summary", "Per-queue counts, rates and state"}, {"tags", tags},
      {"responses", withApiErrors({{"200", jsonResponse("Every configured queue.", ref("schemas", "Queues"))}})}};
}

}  // namespace wno::host::openapi
