// The repository service's query monitoring: every call is timed under its
// collection and operation, and a call slower than the threshold is logged
// with the statement's shape, never its values. A repository behind the
// real C vtable that takes as long as the test says.
#include "data/repository_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace wno::host::data {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using nlohmann::json;

std::atomic<int> g_delayMs{0};

std::unique_ptr<RepositoryInstance> slowRepository(HostServices& services) {
  wno_type_repository vt{};
  vt.struct_size = sizeof vt;
  vt.on_create = [](const wno_host_api*, wno_host_ctx*, wno_str, void** out) -> wno_status {
    *out = nullptr;
    return WNO_OK;
  };
  vt.on_destroy = [](void*) {};
  vt.on_define_collection = [](void*, wno_str) -> wno_status { return WNO_OK; };
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
  EXPECT_THAT(metrics, HasSubstr("wno_repository_query_duration_seconds_count{collection=\"battles\",op=\"list\"} 2"));
  EXPECT_THAT(metrics, HasSubstr("wno_repository_slow_queries_total{collection=\"battles\",op=\"list\"} 1"));
  EXPECT_THAT(metrics, HasSubstr("wno_repository_slow_queries_total{collection=\"battles\",op=\"count\"} 1"));
}

// A repository whose every write fails with the status the test sets, as
// one does when the connection dies during COMMIT (the row may be stored).
std::atomic<int> g_writeStatus{WNO_OK};

std::unique_ptr<RepositoryInstance> failingWriter(HostServices& services) {
  wno_type_repository vt{};
  vt.struct_size = sizeof vt;
  vt.on_create = [](const wno_host_api*, wno_host_ctx*, wno_str, void** out) -> wno_status {
    *out = nullptr;
    return WNO_OK;
  };
  vt.on_destroy = [](void*) {};
  vt.on_define_collection = [](void*, wno_str) -> wno_status { return WNO_OK; };
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

}  // namespace
}  // namespace wno::host::data
