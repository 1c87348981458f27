// The postgres plugin's pool where it gets hard: a PostgreSQL that hangs
// instead of failing (a lock held for ever, then the whole server frozen
// with SIGSTOP) must cost callers a clear timeout within the configured
// bounds, and the pool must work again once the database does; more
// statement shapes than a connection keeps prepared must all still run.
// The real host runtime, the real postgres plugin, a throwaway server.
#include "../process_runner.h"
#include "app/host_runtime.h"
#include "data/collection.h"
#include "eventually.h"
#include "postgres_server.h"
#include "services/host_api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

namespace wno::host {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;
using test::httpRequest;

constexpr int kStatementTimeoutMs = 300;

class PostgresPoolTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    postgres_ = new test::PostgresServer();
    const json pgConfig = {{"url", postgres_->url()},
                           {"pool_size", 2},
                           {"pool_wait_ms", 200},
                           {"connect_timeout_ms", 2000},
                           {"statement_timeout_ms", kStatementTimeoutMs}};
    // No breaker: each request here must reach the database.
    json repository = {{"name", "main"}, {"type", "postgres"}, {"config", pgConfig}, {"breaker", {{"enabled", false}}}};
    const json battles = {{"versioned", true}, {"fields", {{"title", {{"type", "text"}, {"required", true}}}}}};
    json config = {
        {"http", {{"host", "127.0.0.1"}, {"port", 0}, {"threads", 4}, {"access_log", false}}},
        {"plugins", {{"directories", {WNO_TEST_PLUGIN_DIR}}, {"load", {{{"name", "postgres"}}}}}},
        {"data", {{"repositories", {repository}}, {"cursor_secret", "test-secret"}, {"collections", {{"battles", battles}}}}}};
    runtime_ = new HostRuntime(config, WNO_TEST_BINARY_DIR);
    ASSERT_TRUE(runtime_->loadPlugins().isOk());
    Status s = runtime_->createComponents();
    ASSERT_TRUE(s.isOk()) << s.message();
    ASSERT_TRUE(runtime_->startHttp().isOk());
    port_ = runtime_->port();
    // The same plugin called directly, to see the status behind each 503.
    direct_ = openRepository("direct", pgConfig).release();
    ASSERT_NE(direct_, nullptr);
  }
  // Another instance of the postgres repository, with battles defined.
  static std::unique_ptr<RepositoryInstance> openRepository(const std::string& name, const json& config) {
    auto repo = RepositoryInstance::create(runtime_->plugins().find(WNO_KIND_REPOSITORY, "postgres"), hostApiTable(),
                                           &runtime_->services(), name, config);
    EXPECT_TRUE(repo.isOk()) << repo.status().message();
    if (!repo.isOk()) return nullptr;
    std::vector<std::string> errors;
    const json battles = {{"versioned", true}, {"fields", {{"title", {{"type", "text"}, {"required", true}}}}}};
    const std::string definition =
        data::collectionsFrom(json{{"battles", battles}}, errors).at("battles").toRepositoryJson().dump();
    Status defined = repo.value()->call("on_define_collection", repo.value()->vtable().on_define_collection,
                                        wno_str{definition.data(), definition.size()});
    EXPECT_TRUE(defined.isOk()) << defined.message();
    return std::move(repo).value();
  }
  static Status firstBattle(RepositoryInstance& repo, const wno_sink* sink) {
    const std::string query = R"({"filters":[],"sort":[{"field":"id","desc":false}],"limit":1})";
    return repo.call("on_query", repo.vtable().on_query, wno_str{"battles", 7}, wno_str{query.data(), query.size()},
                     sink);
  }
  // Another session takes the battles table and keeps it for 30 s.
  static bool lockBattlesElsewhere() {
    return postgres_->psql("BEGIN; LOCK TABLE battles IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(30); COMMIT;",
                           /*background=*/true) &&
           test::eventually([] {
             return postgres_->psql("DO \\$\\$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_locks WHERE relation = "
                                    "'battles'::regclass AND mode = 'AccessExclusiveLock' AND granted) THEN "
                                    "RAISE 'not yet'; END IF; END \\$\\$");
           });
  }
  static bool unlockBattles() {
    return postgres_->psql("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE relation = 'battles'::regclass "
                           "AND mode = 'AccessExclusiveLock'");
  }
  static inline const wno_sink kDiscard{nullptr, [](void*, const char*, size_t) -> wno_status { return WNO_OK; }};
  static void TearDownTestSuite() {
    delete direct_;
    delete runtime_;
    delete postgres_;
  }
  void TearDown() override { postgres_->thaw(); }

  static test::HttpResponse get(int64_t id) { return httpRequest(port_, "GET", "/api/v1/battles/" + std::to_string(id)); }
  static Status directGet(int64_t id) {
    wno_sink discard{nullptr, [](void*, const char*, size_t) -> wno_status { return WNO_OK; }};
    return direct_->call("on_get", direct_->vtable().on_get, wno_str{"battles", 7}, id, wno_str{"[]", 2}, &discard);
  }
  static int64_t createBattle() {
    auto r = httpRequest(port_, "POST", "/api/v1/battles", R"({"title":"slow"})");
    EXPECT_EQ(r.status, 201) << r.body;
    return json::parse(r.body).value("id", int64_t{0});
  }

  static inline HostRuntime* runtime_ = nullptr;
  static inline RepositoryInstance* direct_ = nullptr;
  static inline test::PostgresServer* postgres_ = nullptr;
  static inline int port_ = 0;
};

TEST_F(PostgresPoolTest, AStatementBlockedByALockIsCancelledAtTheStatementTimeout) {
  const int64_t id = createBattle();
  ASSERT_TRUE(lockBattlesElsewhere());
  const auto blocked = get(id);
  EXPECT_EQ(blocked.status, 503) << blocked.body;
  EXPECT_FALSE(blocked.header("Retry-After").empty());
  const Status cancelled = directGet(id);
  EXPECT_EQ(cancelled.code(), WNO_ERR_TIMEOUT) << cancelled.message();
  EXPECT_THAT(cancelled.message(), HasSubstr("cancelled the statement"));
  // The holder goes away; the same pool answers again.
  ASSERT_TRUE(unlockBattles());
  EXPECT_TRUE(test::eventually([&] { return get(id).status == 200; }));
}

TEST_F(PostgresPoolTest, AFrozenServerCostsTheClientDeadlineThenTheConnectTimeoutNotAHang) {
  const int64_t id = createBattle();
  ASSERT_EQ(get(id).status, 200);
  postgres_->freeze();
  // A pooled connection: the server cannot even cancel, so the client gives
  // up at statement_timeout_ms plus the grace and closes the connection.
  const auto frozen = get(id);
  EXPECT_EQ(frozen.status, 503) << frozen.body;
  const Status abandoned = directGet(id);
  EXPECT_EQ(abandoned.code(), WNO_ERR_TIMEOUT) << abandoned.message();
  EXPECT_THAT(abandoned.message(), HasSubstr("did not answer within " + std::to_string(kStatementTimeoutMs + 1000)));
  // A new connection: accepted by the kernel, never answered; libpq's
  // connect_timeout ends it.
  const auto connecting = get(id);
  EXPECT_EQ(connecting.status, 503) << connecting.body;
  const Status refused = directGet(id);
  EXPECT_EQ(refused.code(), WNO_ERR_UNAVAILABLE) << refused.message();
  EXPECT_THAT(refused.message(), HasSubstr("cannot connect"));
  postgres_->thaw();
  EXPECT_TRUE(test::eventually([&] { return get(id).status == 200; }));
}

TEST_F(PostgresPoolTest, ACallWaitsAtMostPoolWaitMsForAConnection) {
  createBattle();
  auto tiny = openRepository("tiny", {{"url", postgres_->url()}, {"pool_size", 1}, {"pool_wait_ms", 100}});
  ASSERT_NE(tiny, nullptr);
  // The only connection waits on a lock another session holds.
  ASSERT_TRUE(lockBattlesElsewhere());
  std::thread holder([&] { EXPECT_TRUE(firstBattle(*tiny, &kDiscard).isOk()); });
  ASSERT_TRUE(test::eventually([] {
    return postgres_->psql("DO \\$\\$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock') "
                           "THEN RAISE 'not yet'; END IF; END \\$\\$");
  }));
  Status waited = firstBattle(*tiny, &kDiscard);
  EXPECT_EQ(waited.code(), WNO_ERR_RESOURCE_EXHAUSTED) << waited.message();
  EXPECT_THAT(waited.message(), HasSubstr("within 100 ms"));
  ASSERT_TRUE(unlockBattles());
  holder.join();
  EXPECT_TRUE(firstBattle(*tiny, &kDiscard).isOk()) << "the connection came back to the pool";
}

TEST_F(PostgresPoolTest, ASlowConsumerOfRowsHoldsNoConnection) {
  createBattle();
  auto tiny = openRepository("tiny", {{"url", postgres_->url()}, {"pool_size", 1}, {"pool_wait_ms", 100}});
  ASSERT_NE(tiny, nullptr);
  // The row sink stands for an HTTP client reading a streamed page slowly.
  struct Gate {
    std::mutex mutex;
    std::condition_variable cv;
    bool holding = false, release = false;
  } gate;
  wno_sink blocking{&gate, [](void* ctx, const char*, size_t) -> wno_status {
                      auto* g = static_cast<Gate*>(ctx);
                      std::unique_lock lock(g->mutex);
                      g->holding = true;
                      g->cv.notify_all();
                      g->cv.wait(lock, [&] { return g->release; });
                      return WNO_OK;
                    }};
  std::thread reader([&] { EXPECT_TRUE(firstBattle(*tiny, &blocking).isOk()); });
  {
    std::unique_lock lock(gate.mutex);
    ASSERT_TRUE(gate.cv.wait_for(lock, std::chrono::seconds(10), [&] { return gate.holding; }));
  }
  Status meanwhile = firstBattle(*tiny, &kDiscard);
  EXPECT_TRUE(meanwhile.isOk()) << "the only connection was still leased: " << meanwhile.message();
  {
    std::lock_guard lock(gate.mutex);
    gate.release = true;
  }
  gate.cv.notify_all();
  reader.join();
}

// pool_min connections are open when create returns, without any demand,
// so load does not have to grow the pool (new sessions come slowly from a
// busy server, and stall it while they start).
TEST_F(PostgresPoolTest, PoolMinConnectionsAreOpenWhenCreateReturns) {
  const auto backends = [](int wanted) {
    return postgres_->psql("DO \\$\\$ BEGIN IF (SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                           "'warm_pool') <> " + std::to_string(wanted) + " THEN RAISE 'not yet'; END IF; END \\$\\$");
  };
  auto warm = openRepository("warm", {{"url", postgres_->url() + "?application_name=warm_pool"},
                                      {"pool_size", 5},
                                      {"pool_min", 3}});
  ASSERT_NE(warm, nullptr);
  EXPECT_TRUE(backends(3)) << "pool_min connections were not open when create returned";
  // And no more than that while nothing asks for them.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_TRUE(backends(3));
  warm.reset();
  EXPECT_TRUE(test::eventually([&] { return backends(0); })) << "closing the pool left sessions open";
}

TEST_F(PostgresPoolTest, PoolMinAbovePoolSizeIsRefusedNamingBoth) {
  auto refused = RepositoryInstance::create(runtime_->plugins().find(WNO_KIND_REPOSITORY, "postgres"), hostApiTable(),
                                            &runtime_->services(), "bad",
                                            {{"url", postgres_->url()}, {"pool_size", 2}, {"pool_min", 3}});
  ASSERT_FALSE(refused.isOk());
  EXPECT_THAT(refused.status().message(), HasSubstr("pool_min: 3 is more than pool_size (2)"));
  auto zero = RepositoryInstance::create(runtime_->plugins().find(WNO_KIND_REPOSITORY, "postgres"), hostApiTable(),
                                         &runtime_->services(), "bad", {{"url", postgres_->url()}, {"pool_min", 0}});
  ASSERT_FALSE(zero.isOk());
  EXPECT_THAT(zero.status().message(), HasSubstr("pool_min: expected an integer from 1 to 512"));
}

// A read the server refuses to prepare leaves no name behind: once the
// table is back, the same query prepares and runs (a name kept for a
// statement that was never prepared would fail every later read of that
// shape with "prepared statement does not exist").
TEST_F(PostgresPoolTest, AReadTheServerRefusedToPrepareRunsOnceTheTableIsBack) {
  auto repo = openRepository("scratchy", {{"url", postgres_->url()}, {"pool_size", 1}});
  ASSERT_NE(repo, nullptr);
  std::vector<std::string> errors;
  const json scratch = {{"fields", {{"title", {{"type", "text"}}}}}};
  const std::string definition =
      data::collectionsFrom(json{{"scratch", scratch}}, errors).at("scratch").toRepositoryJson().dump();
  const auto define = [&] {
    return repo->call("on_define_collection", repo->vtable().on_define_collection,
                      wno_str{definition.data(), definition.size()});
  };
  const auto byTitle = [&](const std::string& title) {
    const std::string query =
        json{{"filters", {{{"field", "title"}, {"op", "eq"}, {"value", title}}}}, {"limit", 3}}.dump();
    return repo->call("on_query", repo->vtable().on_query, wno_str{"scratch", 7}, wno_str{query.data(), query.size()},
                      &kDiscard);
  };
  ASSERT_TRUE(define().isOk());
  ASSERT_TRUE(postgres_->psql("DROP TABLE scratch"));
  const Status refused = byTitle("a");
  EXPECT_FALSE(refused.isOk());
  EXPECT_THAT(refused.message(), HasSubstr("does not exist"));
  ASSERT_TRUE(define().isOk());
  const Status again = byTitle("a");
  EXPECT_TRUE(again.isOk()) << again.message();
}

TEST_F(PostgresPoolTest, MoreStatementShapesThanAConnectionKeepsPreparedAllRun) {
  ASSERT_EQ(httpRequest(port_, "POST", "/api/v1/battles", R"({"title":"t1"})").status, 201);
  // Each in.() length is its own statement text; 300 of them outgrow the
  // 256 kept per connection, and the first ones come back after eviction.
  auto matches = [](int length) {
    json titles = json::array();
    for (int i = 1; i <= length; ++i) titles.push_back("t" + std::to_string(i));
    const std::string query =
        json{{"filters", {{{"field", "title"}, {"op", "in"}, {"value", titles}}}}, {"sort", {{{"field", "id"}, {"desc", false}}}}, {"limit", 5}}
            .dump();
    size_t rows = 0;
    wno_sink count{&rows, [](void* ctx, const char*, size_t) -> wno_status {
                     ++*static_cast<size_t*>(ctx);
                     return WNO_OK;
                   }};
    Status s = direct_->call("on_query", direct_->vtable().on_query, wno_str{"battles", 7},
                             wno_str{query.data(), query.size()}, &count);
    EXPECT_TRUE(s.isOk()) << "in.() of " << length << ": " << s.message();
    return rows;
  };
  for (int length = 1; length <= 300; ++length) ASSERT_GE(matches(length), 1u) << length;
  for (int length = 1; length <= 20; ++length) EXPECT_GE(matches(length), 1u) << "again, " << length;
}

}  // namespace
}  // namespace wno::host
