// The repository service's query monitoring: every call is timed under its
// collection and operation, and a call slower than the threshold is logged
// with the statement's shape, never its values; what failed writes evict;
// and writes by filter: what the repository is sent, the cache tags and
// row events per row, the refusals. Repositories behind the real C vtable
// that do what each test says.
#include "data/repository_service.h"

#include "data/filter_write.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <thread>

namespace wno::host::data {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using nlohmann::json;

// A repository table with no state and every collection accepted; each
// fake below adds the hooks it exercises.
wno_type_repository statelessRepository() {
  wno_type_repository vt{};
  vt.struct_size = sizeof vt;
  vt.on_create = [](const wno_host_api*, wno_host_ctx*, wno_str, void** out) -> wno_status {
    *out = nullptr;
    return WNO_OK;
  };
  vt.on_destroy = [](void*) {};
  vt.on_define_collection = [](void*, wno_str) -> wno_status { return WNO_OK; };
  return vt;
}

std::atomic<int> g_delayMs{0};

std::unique_ptr<RepositoryInstance> slowRepository(HostServices& services) {
  wno_type_repository vt = statelessRepository();
  vt.on_query = [](void*, wno_str, wno_str, const wno_sink* out) -> wno_status {
    std::this_thread::sleep_for(std::chrono::milliseconds(g_delayMs.load()));
    const std::string row = R"({"id":1,"created_at":"2026-11-01T00:00:00Z","status":"active"})";
    return out->write(out->ctx, row.data(), row.size());
  };
  vt.on_count = [](void*, wno_str, wno_str, int64_t* n) -> wno_status {
    std::this_thread::sleep_for(std::chrono::milliseconds(g_delayMs.load()));
    *n = 1;
    return WNO_OK;
  };
  auto type = std::make_shared<ComponentType>();
  type->kind = WNO_KIND_REPOSITORY;
  type->name = "slow";
  type->vtable = vt;
  return std::move(RepositoryInstance::create(type, nullptr, &services, "slow", json::object())).value();
}

Collection battles() {
  std::vector<std::string> errors;
  auto all = collectionsFrom(json::parse(R"({"battles": {
      "fields": {"status": {"type": "text"}, "title": {"type": "text"}},
      "filterable": ["status", "title"], "sortable": ["created_at"], "operations": ["list", "get"]}})"),
                             errors);
  EXPECT_TRUE(errors.empty());
  return all.at("battles");
}

TEST(RepositoryService, SlowCallsAreLoggedWithTheirShapeNeverTheirValues) {
  HostServices services;
  std::map<std::string, std::unique_ptr<RepositoryInstance>> repos;
  repos.emplace("slow", slowRepository(services));
  std::map<std::string, Collection> collections{{"battles", battles()}};
  collections["battles"].repository = "slow";
  RepositoryService service(std::move(repos), std::move(collections), /*slowQueryMs=*/20, services);
  const Collection& c = *service.collection("battles");

  ListQuery query;
  QueryError error;
  ASSERT_TRUE(parseListQuery(c,
                             {{"status", "eq.secret-status-value"}, {"title", "in.(hidden-a,hidden-b)"},
                              {"sort", "-created_at"}, {"limit", "5"}},
                             query, error))
      << error.message;
  size_t rows = 0;
  auto count = [&](std::string_view) {
    ++rows;
    return Status::ok();
  };

  g_delayMs = 0;
  ::testing::internal::CaptureStderr();
  ASSERT_TRUE(service.list(c, query, nullptr, 6, count).isOk());
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "") << "a fast call is not logged";
  EXPECT_EQ(rows, 1u) << "rows are handed on as the repository writes them";

  g_delayMs = 40;
  ::testing::internal::CaptureStderr();
  ASSERT_TRUE(service.list(c, query, nullptr, 6, count).isOk());
  ASSERT_TRUE(service.count(c, query.filters).isOk());
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(log, HasSubstr("\"msg\":\"slow query\""));
  EXPECT_THAT(log, HasSubstr("\"op\":\"list\""));
  EXPECT_THAT(log, HasSubstr("\"op\":\"count\""));
  EXPECT_THAT(log, HasSubstr("\"shape\":\"filters=[status:eq,title:in] sort=[-created_at,-id]\""));
  EXPECT_THAT(log, HasSubstr("\"threshold_ms\":20"));
  EXPECT_THAT(log, Not(HasSubstr("secret-status-value")));
  EXPECT_THAT(log, Not(HasSubstr("hidden-a")));

  const std::string metrics = services.metrics().serialize();
  EXPECT_THAT(metrics, HasSubstr("wno_repository_query_duration_seconds_count{cached=\"false\",collection=\"battles\",op=\"list\"} 2"));
  EXPECT_THAT(metrics, HasSubstr("wno_repository_slow_queries_total{collection=\"battles\",op=\"list\"} 1"));
  EXPECT_THAT(metrics, HasSubstr("wno_repository_slow_queries_total{collection=\"battles\",op=\"count\"} 1"));
}

// A repository whose every write fails with the status the test sets, as
// one does when the connection dies during COMMIT (the row may be stored).
std::atomic<int> g_writeStatus{WNO_OK};

std::unique_ptr<RepositoryInstance> failingWriter(HostServices& services) {
  wno_type_repository vt = statelessRepository();
  vt.on_insert = [](void*, wno_str, wno_str, const wno_sink*) -> wno_status { return g_writeStatus.load(); };
  vt.on_insert_many = [](void*, wno_str, wno_str, const wno_sink*) -> wno_status { return g_writeStatus.load(); };
  vt.on_update = [](void*, wno_str, int64_t, int64_t, wno_str, const wno_sink*) -> wno_status {
    return g_writeStatus.load();
  };
  vt.on_delete = [](void*, wno_str, int64_t) -> wno_status { return g_writeStatus.load(); };
  auto type = std::make_shared<ComponentType>();
  type->kind = WNO_KIND_REPOSITORY;
  type->name = "failing";
  type->vtable = vt;
  return std::move(RepositoryInstance::create(type, nullptr, &services, "failing", json::object())).value();
}

// Records the tags invalidated; nothing is cached.
class TagRecorder : public CacheApi {
 public:
  Result<std::optional<std::string>> get(const std::string&, const std::string&) override {
    return std::optional<std::string>();
  }
  Status set(const std::string&, std::string, const CacheWrite&) override { return Status::ok(); }
  Status remove(const std::string&) override { return Status::ok(); }
  Result<uint64_t> invalidateTag(const std::string& tag) override {
    tags.push_back(tag);
    return uint64_t{0};
  }
  Status invalidateRegion(const std::string&) override { return Status::ok(); }
  Result<std::string> getOrCompute(const std::string&, const CacheWrite&,
                                   const std::function<Result<std::string>()>& compute) override {
    return compute();
  }
  std::vector<std::string> tags;
};

TEST(RepositoryService, AWriteThatFailedInTheRepositoryStillEvictsWhatItMayHaveChanged) {
  HostServices services;
  std::map<std::string, std::unique_ptr<RepositoryInstance>> repos;
  repos.emplace("failing", failingWriter(services));
  std::vector<std::string> errors;
  auto collections = collectionsFrom(
      json::parse(R"({"battles": {"versioned": true, "fields": {"title": {"type": "text"}}, "repository": "failing"}})"),
      errors);
  ASSERT_TRUE(errors.empty()) << errors.front();
  RepositoryService service(std::move(repos), std::move(collections), /*slowQueryMs=*/0, services);
  TagRecorder cache;
  service.setCache(&cache);
  const Collection& c = *service.collection("battles");
  using Tags = std::vector<std::string>;

  // Outcome unknown (connection lost mid-commit), or the cached copy proven
  // stale (version conflict, row gone): the next read must ask the database.
  for (int code : {WNO_ERR_UNAVAILABLE, WNO_ERR_TIMEOUT, WNO_ERR_INTERNAL, WNO_ERR_CONFLICT, WNO_ERR_PRECONDITION,
                   WNO_NOT_FOUND}) {
    g_writeStatus = code;
    cache.tags.clear();
    EXPECT_FALSE(service.updateRow(c, 7, 3, json{{"title", "x"}}).isOk());
    EXPECT_EQ(cache.tags, (Tags{"battles:7", "battles:list"})) << "update failing with " << code;
    cache.tags.clear();
    EXPECT_FALSE(service.deleteRow(c, 7).isOk());
    EXPECT_EQ(cache.tags, (Tags{"battles:7", "battles:list"})) << "delete failing with " << code;
    cache.tags.clear();
    EXPECT_FALSE(service.insert(c, json{{"title", "x"}}).isOk());
    EXPECT_FALSE(service.insertMany(c, json::array({json{{"title", "x"}}})).isOk());
    EXPECT_EQ(cache.tags, (Tags{"battles:list", "battles:list"})) << "creates failing with " << code;
  }
  // Refused input changed nothing.
  g_writeStatus = WNO_ERR_INVALID;
  cache.tags.clear();
  EXPECT_FALSE(service.updateRow(c, 7, 3, json{{"title", "x"}}).isOk());
  EXPECT_FALSE(service.deleteRow(c, 7).isOk());
  EXPECT_FALSE(service.insert(c, json{{"title", "x"}}).isOk());
  EXPECT_TRUE(cache.tags.empty()) << ::testing::PrintToString(cache.tags);

  // Every failed call is counted by collection, operation and status.
  const std::string metrics = services.metrics().serialize();
  EXPECT_THAT(metrics, HasSubstr(R"(wno_repository_errors_total{collection="battles",op="update",status="unavailable"} 1)"));
  EXPECT_THAT(metrics, HasSubstr(R"(wno_repository_errors_total{collection="battles",op="delete",status="not_found"} 1)"));
  EXPECT_THAT(metrics, HasSubstr(R"(wno_repository_errors_total{collection="battles",op="create",status="invalid"} 1)"));
  EXPECT_THAT(metrics, HasSubstr(R"(wno_repository_errors_total{collection="battles",op="create_many",status="conflict"} 1)"));
  EXPECT_THAT(metrics, HasSubstr(R"(wno_repository_errors_total{collection="battles",op="update",status="invalid"} 1)"));
}

// A repository that writes by filter: it records what it was sent and
// "changes" ids 5 and 3 (out of order, as a database may return them), or
// fails with the status the test sets.
std::atomic<int> g_whereStatus{WNO_OK};
std::string g_whereQuery, g_wherePatch;

std::unique_ptr<RepositoryInstance> filterWriter(HostServices& services, bool withHooks = true) {
  wno_type_repository vt = statelessRepository();
  static constexpr const char* kRows[] = {R"({"id":5,"version":2,"title":"y"})", R"({"id":3,"version":7,"title":"y"})"};
  if (withHooks) {
    vt.on_update_where = [](void*, wno_str, wno_str query, wno_str patch, const wno_sink* out) -> wno_status {
      if (g_whereStatus != WNO_OK) return g_whereStatus.load();
      g_whereQuery.assign(query.data, query.len);
      g_wherePatch.assign(patch.data, patch.len);
      for (const char* row : kRows) out->write(out->ctx, row, std::strlen(row));
      return WNO_OK;
    };
    vt.on_delete_where = [](void*, wno_str, wno_str query, const wno_sink* out) -> wno_status {
      if (g_whereStatus != WNO_OK) return g_whereStatus.load();
      g_whereQuery.assign(query.data, query.len);
      for (const char* row : kRows) out->write(out->ctx, row, std::strlen(row));
      return WNO_OK;
    };
  }
  auto type = std::make_shared<ComponentType>();
  type->kind = WNO_KIND_REPOSITORY;
  type->name = "where";
  type->vtable = vt;
  return std::move(RepositoryInstance::create(type, nullptr, &services, "where", json::object())).value();
}

class WritesByFilter : public ::testing::Test {
 protected:
  void SetUp() override {
    std::map<std::string, std::unique_ptr<RepositoryInstance>> repos;
    repos.emplace("where", filterWriter(services_));
    repos.emplace("old", filterWriter(services_, false));
    std::vector<std::string> errors;
    auto collections = collectionsFrom(json::parse(R"({
        "battles": {"versioned": true, "fields": {"title": {"type": "text"}}, "filterable": ["title"],
                    "sortable": ["title"], "repository": "where"},
        "archive": {"versioned": true, "fields": {"title": {"type": "text"}}, "filterable": ["title"],
                    "repository": "old"}})"),
                                       errors);
    ASSERT_TRUE(errors.empty()) << errors.front();
    service_ = std::make_unique<RepositoryService>(std::move(repos), std::move(collections), 0, services_);
    service_->setCache(&cache_);
    service_->setRowListener([this](const std::string& collection, const char* event, const json& row) {
      events_.push_back(collection + " " + event + " " + row.value("id", json()).dump());
    });
    g_whereStatus = WNO_OK;
  }
  ListQuery filterWrite(const Collection& c, std::vector<std::pair<std::string, std::string>> params) {
    ListQuery q;
    QueryError error;
    EXPECT_TRUE(parseFilterWrite(c, params, q, error)) << error.parameter << ": " << error.message;
    return q;
  }

  HostServices services_;
  TagRecorder cache_;
  std::vector<std::string> events_;
  std::unique_ptr<RepositoryService> service_;
};

TEST_F(WritesByFilter, EachRowIsInvalidatedAndAnnouncedOnceThePagesOnce) {
  const Collection& c = *service_->collection("battles");
  ASSERT_TRUE(service_->writesByFilter(c, true));
  auto updated = service_->updateRows(c, filterWrite(c, {{"title", "eq.x"}, {"limit", "10"}, {"fields", "id"}}),
                                      json{{"title", "y"}});
  ASSERT_TRUE(updated.isOk()) << updated.status().message();
  EXPECT_EQ(updated.value().ids, (std::vector<int64_t>{3, 5})) << "ordered by id";
  EXPECT_EQ(json::parse(updated.value().rows[0])["version"], 7);
  // The repository gets filters, sort (id last) and limit; never the fields
  // a client asked for (the host needs whole rows for events and caches).
  EXPECT_EQ(json::parse(g_whereQuery),
            json::parse(R"({"filters":[{"field":"title","op":"eq","value":"x"}],"sort":[{"field":"id","desc":false}],"limit":10})"));
  EXPECT_EQ(json::parse(g_wherePatch), (json{{"title", "y"}}));
  EXPECT_EQ(cache_.tags, (std::vector<std::string>{"battles:3", "battles:5", "battles:list"}));
  EXPECT_EQ(events_, (std::vector<std::string>{"battles update 3", "battles update 5"}));

  cache_.tags.clear();
  events_.clear();
  auto deleted = service_->deleteRows(c, filterWrite(c, {{"title", "eq.x"}, {"limit", "2"}}));
  ASSERT_TRUE(deleted.isOk()) << deleted.status().message();
  EXPECT_EQ(cache_.tags, (std::vector<std::string>{"battles:3", "battles:5", "battles:list"}));
  EXPECT_EQ(events_, (std::vector<std::string>{"battles delete 3", "battles delete 5"}));
}

TEST_F(WritesByFilter, AFailureOnceTheRepositoryWasReachedDropsTheWholeCollection) {
  const Collection& c = *service_->collection("battles");
  const ListQuery q = filterWrite(c, {{"title", "eq.x"}, {"limit", "10"}});
  for (int code : {WNO_ERR_UNAVAILABLE, WNO_ERR_TIMEOUT, WNO_ERR_INTERNAL, WNO_ERR_CONFLICT}) {
    g_whereStatus = code;
    cache_.tags.clear();
    EXPECT_EQ(service_->updateRows(c, q, json{{"title", "y"}}).status().code(), code);
    EXPECT_EQ(service_->deleteRows(c, q).status().code(), code);
    EXPECT_EQ(cache_.tags, (std::vector<std::string>{"battles", "battles"})) << code;
  }
  g_whereStatus = WNO_ERR_INVALID;  // refused input changed nothing
  cache_.tags.clear();
  EXPECT_FALSE(service_->deleteRows(c, q).isOk());
  EXPECT_TRUE(cache_.tags.empty());
  EXPECT_TRUE(events_.empty());
}

TEST_F(WritesByFilter, ARepositoryWithoutTheHooksIsRefusedBeforeAnyCall) {
  const Collection& c = *service_->collection("archive");
  EXPECT_FALSE(service_->writesByFilter(c, true));
  EXPECT_FALSE(service_->writesByFilter(c, false));
  g_whereQuery.clear();
  auto refused = service_->deleteRows(c, filterWrite(c, {{"title", "eq.x"}, {"limit", "10"}}));
  EXPECT_EQ(refused.status().code(), WNO_ERR_UNSUPPORTED);
  EXPECT_THAT(refused.status().message(), HasSubstr("repository \"old\" cannot delete rows by filter"));
  EXPECT_THAT(refused.status().message(), HasSubstr("on_delete_where"));
  EXPECT_TRUE(cache_.tags.empty());
}

TEST_F(WritesByFilter, PluginQueriesAreCheckedAndGetTheIdTieBreak) {
  auto updated = service_->updateWhere(
      "battles", R"({"filters":[{"field":"title","op":"eq","value":"x"}],"sort":[{"field":"title","desc":true}],"limit":2})",
      R"({"title":"z"})");
  ASSERT_TRUE(updated.isOk()) << updated.status().message();
  EXPECT_EQ(updated.value().size(), 2u);
  EXPECT_EQ(json::parse(g_whereQuery)["sort"],
            json::parse(R"([{"field":"title","desc":true},{"field":"id","desc":true}])"));
  for (const auto& [query, why] : std::vector<std::pair<std::string, std::string>>{
           {R"({"filters":[],"limit":2})", "filters: a write by filter needs at least one filter"},
           {R"({"filters":[{"field":"title","op":"eq","value":"x"}]})", "limit: a write by filter needs one"},
           {R"({"filters":[{"field":"title","op":"eq","value":"x"}],"limit":101})", "limit: expected an integer from 1 to 100"},
           {R"({"filters":[{"field":"title","op":"eq","value":"x"}],"limit":1,"fields":["id"]})", "fields: not accepted"},
           {R"({"filters":[{"field":"title","op":"eq","value":"x"}],"limit":1,"sort":"title"})", "sort: expected an array"},
           {R"(not json)", "query_json: expected a QUERY object"}}) {
    auto refused = service_->deleteWhere("battles", query);
    EXPECT_EQ(refused.status().code(), WNO_ERR_INVALID) << query;
    EXPECT_THAT(refused.status().message(), HasSubstr(why)) << query;
  }
  EXPECT_THAT(service_->updateWhere("battles", R"({"filters":[{"field":"title","op":"eq","value":"x"}],"limit":1})",
                                    R"({"version":3})")
                  .status()
                  .message(),
              HasSubstr("version: field \"version\" is set by the server"));
}

}  // namespace
}  // namespace wno::host::data
