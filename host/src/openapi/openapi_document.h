// The OpenAPI 3.1 description of what this host serves, generated from its
// effective config: one schema and one set of paths per configured
// collection (only the operations it allows, only the filters and sorts it
// declares), the jobs API with the configured job types and queues, and the
// health, metrics and admin endpoints. Built once per config: a host whose
// config changes (a new collection, a new field) describes the change.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>

namespace wno::host::openapi {

struct OpenApiInputs {
  // The effective config (defaults filled, env substituted), as the host runs it.
  nlohmann::json config;
  std::string hostVersion;
  // Job type -> JSON Schema of its "data", where a handler declares one.
  std::map<std::string, nlohmann::json> jobDataSchemas;
};

// The whole document. Sections whose config is absent (no /data, no
// /jobs/store) are left out, as the host leaves out their routes.
nlohmann::json openApiDocument(const OpenApiInputs& inputs);

}  // namespace wno::host::openapi
