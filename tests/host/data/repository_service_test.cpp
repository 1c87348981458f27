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
  std::vector<json> rows;

  g_delayMs = 0;
  ::testing::internal::CaptureStderr();
  ASSERT_TRUE(service.list(c, query, nullptr, 6, rows).isOk());
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "") << "a fast call is not logged";

  g_delayMs = 40;
  ::testing::internal::CaptureStderr();
  ASSERT_TRUE(service.list(c, query, nullptr, 6, rows).isOk());
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

}  // namespace
}  // namespace wno::host::data
