#include "openapi/openapi_document.h"

#include "openapi/spec_parts.h"

namespace wno::host::openapi {

using nlohmann::json;

json openApiDocument(const OpenApiInputs& inputs) {
  const json& config = inputs.config;
  const std::string host = config.value("http", json::object()).value("host", "127.0.0.1");
  const int port = config.value("http", json::object()).value("port", 8080);
  json doc = {
      {"openapi", "3.1.0"},
      {"info",
       {{"title", "wno"},
        {"version", inputs.hostVersion},
        {"description",
         "Generated from this host's running config: its collections, job types and queues. "
         "Errors are application/problem+json (RFC 9457); `parameter` names what to fix."}}},
      {"servers", json::array({{{"url", "http://" + host + ":" + std::to_string(port)}}})},
      {"paths", json::object()},
      {"components", json::object()}};
  addCommonComponents(doc);

  const json data = config.value("data", json::object());
  if (data.contains("repositories")) {
    // The config was validated before the host started; a collection the
    // host refused is not served, so it is not described either.
    std::vector<std::string> ignored;
    const auto collections = data::collectionsFrom(data.value("collections", json::object()), ignored);
    addCollectionPaths(doc, collections, data.value("max_bulk_rows", static_cast<size_t>(10000)));
  }
  const json jobsSection = config.value("jobs", json::object());
  if (jobsSection.contains("store")) {
    std::vector<std::string> ignored;
    if (auto jobs = jobs::jobsConfigFrom(jobsSection, ignored)) addJobPaths(doc, *jobs, inputs.jobDataSchemas);
  }
  addSystemPaths(doc);
  addAdminPaths(doc);
  return doc;
}

}  // namespace wno::host::openapi
