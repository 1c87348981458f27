// The OpenAPI document follows the config it is generated from: collections,
// fields, operations, filters, sorts, page bounds, job types and queues.
// (Its validity and its agreement with the live host are checked by
// third-party tools in tests/web.)
#include "config/config_loader.h"
#include "openapi/openapi_document.h"
#include "openapi/openapi_route.h"

#include <gtest/gtest.h>

namespace wno::host::openapi {
namespace {

using nlohmann::json;

json effectiveConfig(std::vector<std::string> overrides = {}) {
  config::LoadOptions options;
  options.files = {std::string(WNO_TEST_SOURCE_DIR) + "/config/default.json"};
  options.overrides = std::move(overrides);
  options.getenv = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  auto loaded = config::loadConfig(options);
  if (!loaded.ok()) throw std::runtime_error(config::formatErrors(loaded.errors));
  return loaded.effective;
}

json documentFor(const json& config) {
  OpenApiInputs inputs;
  inputs.config = config;
  inputs.hostVersion = "test";
  return openApiDocument(inputs);
}

const json* parameter(const json& operation, const std::string& name) {
  for (const auto& p : operation["parameters"]) {
    if (p["name"] == name) return &p;
  }
  return nullptr;
}

TEST(OpenApiDocument, DescribesEveryConfiguredCollectionAndOnlyItsAllowedOperations) {
  const json doc = documentFor(effectiveConfig());
  EXPECT_EQ(doc["openapi"], "3.1.0");
  for (const char* c : {"users", "battles", "contents", "comments", "notifications", "token_holdings"}) {
    EXPECT_TRUE(doc["paths"].contains(std::string("/api/v1/") + c)) << c;
  }
  // comments allow list get create bulk delete: no PATCH.
  EXPECT_TRUE(doc["paths"]["/api/v1/comments/{id}"].contains("delete"));
  EXPECT_FALSE(doc["paths"]["/api/v1/comments/{id}"].contains("patch"));
  EXPECT_TRUE(doc["paths"]["/api/v1/users/{id}"].contains("patch"));
  const json& patch = doc["paths"]["/api/v1/users/{id}"]["patch"];
  EXPECT_TRUE((*parameter(patch, "If-Match"))["required"].get<bool>());
  for (const char* status : {"412", "428"}) EXPECT_TRUE(patch["responses"].contains(status)) << status;
}

TEST(OpenApiDocument, WritesByFilterAreDocumentedWhereTheCollectionAllowsThem) {
  const json doc = documentFor(effectiveConfig({"/data/collections/battles/max_page_size=50"}));
  // comments allow delete but not update: DELETE by filter only.
  EXPECT_TRUE(doc["paths"]["/api/v1/comments"].contains("delete"));
  EXPECT_FALSE(doc["paths"]["/api/v1/comments"].contains("patch"));
  const json& patch = doc["paths"]["/api/v1/battles"]["patch"];
  EXPECT_EQ(patch["operationId"], "update_battles_where");
  const json& limit = *parameter(patch, "limit");
  EXPECT_TRUE(limit["required"].get<bool>());
  EXPECT_EQ(limit["schema"]["maximum"], 50);
  EXPECT_FALSE(limit["schema"].contains("default")) << "the limit is required, so it has no default";
  ASSERT_NE(parameter(patch, "status"), nullptr);  // the list's filters
  EXPECT_EQ(parameter(patch, "cursor"), nullptr);
  EXPECT_EQ(parameter(patch, "If-Match"), nullptr);
  EXPECT_EQ(patch["requestBody"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/BattlesPatch");
  const json& answer = patch["responses"]["200"]["content"]["application/json"]["schema"];
  EXPECT_EQ(answer["required"], json({"updated", "ids"}));
  for (const char* status : {"400", "409", "501"}) EXPECT_TRUE(patch["responses"].contains(status)) << status;
  const json& remove = doc["paths"]["/api/v1/battles"]["delete"];
  EXPECT_EQ(remove["responses"]["200"]["content"]["application/json"]["schema"]["required"], json({"deleted", "ids"}));
  EXPECT_FALSE(remove.contains("requestBody"));
}

TEST(OpenApiDocument, EntitySchemasCarryTypesEnumsNullabilityAndReadOnlyFields) {
  const json doc = documentFor(effectiveConfig());
  const json& users = doc["components"]["schemas"]["Users"]["properties"];
  EXPECT_EQ(users["id"]["type"], "integer");
  EXPECT_TRUE(users["id"]["readOnly"].get<bool>());
  EXPECT_EQ(users["created_at"]["format"], "date-time");
  EXPECT_EQ(users["role"]["enum"], json({"user", "moderator", "admin"}));  // not nullable: no null
  EXPECT_EQ(users["wallet_address"]["type"], json({"string", "null"}));
  const json& create = doc["components"]["schemas"]["UsersCreate"];
  EXPECT_EQ(create["required"], json({"username"}));
  EXPECT_FALSE(create["properties"].contains("id"));  // set by the host
  EXPECT_FALSE(create["additionalProperties"].get<bool>());
}

TEST(OpenApiDocument, ListParametersFollowFilterableSortableAndPageSize) {
  const json doc = documentFor(effectiveConfig({"/data/collections/battles/max_page_size=50"}));
  const json& list = doc["paths"]["/api/v1/battles"]["get"];
  ASSERT_NE(parameter(list, "status"), nullptr);
  ASSERT_NE(parameter(list, "creator_id"), nullptr);
  EXPECT_EQ(parameter(list, "title"), nullptr);  // not filterable
  EXPECT_EQ((*parameter(list, "limit"))["schema"]["maximum"], 50);
  const std::string sort = (*parameter(list, "sort"))["schema"]["pattern"];
  EXPECT_NE(sort.find("ends_at"), std::string::npos);
  EXPECT_EQ(sort.find("title"), std::string::npos);
  const json& ops = (*parameter(list, "creator_id"))["x-wno-operators"];
  EXPECT_NE(std::find(ops.begin(), ops.end(), "in"), ops.end());
  EXPECT_EQ(std::find(ops.begin(), ops.end(), "like"), ops.end());  // like is for text fields
}

TEST(OpenApiDocument, ChangesWhenTheConfigChanges) {
  const json before = documentFor(effectiveConfig());
  const json after = documentFor(effectiveConfig({
      R"(/data/collections/memes={"fields":{"caption":{"type":"text","required":true}},"filterable":["caption"]})",
      R"(/data/collections/users/fields/bio={"type":"text"})"}));
  EXPECT_FALSE(before["paths"].contains("/api/v1/memes"));
  ASSERT_TRUE(after["paths"].contains("/api/v1/memes"));
  EXPECT_EQ(after["components"]["schemas"]["MemesCreate"]["required"], json({"caption"}));
  EXPECT_TRUE(after["components"]["schemas"]["Users"]["properties"].contains("bio"));
  // Served with a strong ETag of its bytes: a new config is a new tag.
  EXPECT_NE(etagOf(before.dump()), etagOf(after.dump()));
  EXPECT_EQ(etagOf(before.dump()), etagOf(documentFor(effectiveConfig()).dump()));
}

TEST(OpenApiDocument, JobsListTheConfiguredTypesAndQueues) {
  const json doc = documentFor(effectiveConfig());
  const json& request = doc["components"]["schemas"]["JobRequest"]["properties"];
  EXPECT_EQ(request["type"]["enum"],
            json({"compute_user_stats", "process_content", "send_notification", "verify_token_holdings"}));
  EXPECT_EQ(request["queue"]["enum"], json({"critical", "default", "low"}));
  EXPECT_TRUE(doc["paths"].contains("/api/v1/jobs/bulk"));
  EXPECT_TRUE(doc["paths"].contains("/api/v1/jobs/{id}/retry"));
}

TEST(OpenApiDocument, HandlerDataSchemasConstrainTheirJobType) {
  json config = effectiveConfig();
  OpenApiInputs inputs{config, "test", {{"process_content", {{"type", "object"}, {"required", {"content_id"}}}}}};
  const json doc = openApiDocument(inputs);
  const json& conditions = doc["components"]["schemas"]["JobRequest"]["allOf"];
  ASSERT_EQ(conditions.size(), 1u);
  EXPECT_EQ(conditions[0]["if"]["properties"]["type"]["const"], "process_content");
  EXPECT_EQ(conditions[0]["then"]["properties"]["data"]["required"], json({"content_id"}));
}

TEST(OpenApiDocument, SectionsWithoutConfigAreLeftOut) {
  json config = effectiveConfig();
  config.erase("jobs");
  const json doc = documentFor(config);
  EXPECT_FALSE(doc["paths"].contains("/api/v1/jobs"));
  EXPECT_TRUE(doc["paths"].contains("/health"));
  // The admin API needs the bearer key.
  EXPECT_EQ(doc["paths"]["/admin/plugins"]["get"]["security"][0].begin().key(), "adminKey");
  EXPECT_EQ(doc["components"]["securitySchemes"]["adminKey"]["scheme"], "bearer");
}

}  // namespace
}  // namespace wno::host::openapi
