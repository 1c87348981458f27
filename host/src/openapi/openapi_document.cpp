#include "openapi/openapi_document.h"

#include "openapi/spec_parts.h"

#include "config/options_reader.h"

namespace wno::host::openapi {

using nlohmann::json;

json openApiDocument(const OpenApiInputs& inputs) {
  // Whether a section is there is read from the document as given; values
  // from it with the schema's defaults filled in.
  const json& config = inputs.config.is_object() ? inputs.config : json::object();
  const config::FilledSection filled(config, "");
  const config::OptionsNode root = filled.node();
  const std::string host = root.child("http").get<std::string>("host");
  const int port = root.child("http").get<int>("port");
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

  if (config.contains("data") && config["data"].contains("repositories")) {
    const config::OptionsNode data = root.child("data");
    // The config was validated before the host started; a collection the
    // host refused is not served, so it is not described either.
    std::vector<std::string> ignored;
    const auto collections = data::collectionsFrom(data.child("collections").json(), ignored);
    addCollectionPaths(doc, collections, data.get<size_t>("max_bulk_rows"));
  }
  if (config.contains("jobs") && config["jobs"].contains("store")) {
    const json& jobsSection = config["jobs"];
    std::vector<std::string> ignored;
    if (auto jobs = jobs::jobsConfigFrom(jobsSection, ignored)) addJobPaths(doc, *jobs, inputs.jobDataSchemas);
  }
  addSystemPaths(doc);
  addAdminPaths(doc);
  return doc;
}

}  // namespace wno::host::openapi
