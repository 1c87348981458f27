// The pieces openApiDocument() assembles, one file each, and the small
// helpers they share. Every add* function writes into `doc` (its "paths"
// and "components") and nothing else.
#pragma once

#include "data/collection.h"
#include "jobs/job_config.h"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace wno::host::openapi {

// "#/components/<section>/<name>" as a {"$ref"} object.
nlohmann::json ref(const std::string& section, const std::string& name);
// A response whose body is the shared Problem schema (application/problem+json).
nlohmann::json problemResponse(const std::string& description);
// A JSON (application/json) response with `schema` and optional headers.
nlohmann::json jsonResponse(const std::string& description, nlohmann::json schema,
                            nlohmann::json headers = nlohmann::json::object());
// `responses` plus the answers any public (api) route may give: 413, 429,
// 503 and the catch-all problem.
nlohmann::json withApiErrors(nlohmann::json responses);
// `responses` plus the answers an admin route may give: 401, 403.
nlohmann::json withAdminErrors(nlohmann::json responses);
// A collection's or job type's name as a schema name ("token_holdings" -> "TokenHoldings").
std::string schemaName(const std::string& name);

// components: Problem, shared responses, headers and security schemes.
void addCommonComponents(nlohmann::json& doc);
// /api/v1/{collection}... for each collection, and /api/v1/users/{id}/stats.
void addCollectionPaths(nlohmann::json& doc, const std::map<std::string, data::Collection>& collections,
                        size_t maxBulkRows);
// /api/v1/jobs..., /api/v1/queues.
void addJobPaths(nlohmann::json& doc, const jobs::JobsConfig& jobs,
                 const std::map<std::string, nlohmann::json>& jobDataSchemas);
// /livez, /readyz, /health, /health/history, /metrics, /openapi.json.
void addSystemPaths(nlohmann::json& doc);
// /admin/plugins, /admin/cache/stats, /admin/cache/invalidate, /admin/ui.
void addAdminPaths(nlohmann::json& doc);

}  // namespace wno::host::openapi
