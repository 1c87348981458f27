// The collection REST API end to end: the real host runtime in-process, a
// real repository plugin (.so), HTTP over loopback. The same suite is built
// twice: WNO_REST_BACKEND "sqlite" and "postgres" (a throwaway server).
#include "../process_runner.h"
#include "app/host_runtime.h"
#include "data/collection.h"
#include "services/host_api.h"
#include "postgres_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <wno/sdk/sinks.hpp>
#include <nlohmann/json.hpp>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#ifndef WNO_REST_BACKEND
#define WNO_REST_BACKEND "sqlite"
#endif

namespace wno::host {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;
using test::httpRequest;

json battlesCollection() {
  return json::parse(R"({
    "versioned": true,
    "fields": {
      "title": {"type": "text", "required": true},
      "status": {"type": "text", "enum": ["pending", "active", "completed", "cancelled"], "default": "pending"},
      "creator_id": {"type": "int64", "required": true},
      "opponent_id": {"type": "int64"},
      "votes_creator": {"type": "int64", "default": 0},
      "score": {"type": "double"},
      "featured": {"type": "bool"},
      "meta": {"type": "json"},
      "ends_at": {"type": "timestamp"},
      "slug": {"type": "text", "unique": true},
      "updated_at": {"type": "timestamp", "read_only": true}
    },
    "filterable": ["status", "creator_id", "opponent_id", "created_at", "score", "featured", "ends_at", "title", "slug"],
    "sortable": ["created_at", "ends_at", "title", "creator_id"],
    "indexes": [{"fields": ["status", "id"]}, {"fields": ["creator_id", "id"]}],
    "cache": {"invalidates": ["users:{creator_id}:stats", "users:{opponent_id}:stats"]}
  })");
}

class RestApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::filesystem::temp_directory_path() / ("wno-rest-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    const std::string backend = WNO_REST_BACKEND;
    json repository = {{"name", "main"}, {"type", "sqlite"}, {"config", {{"path", (dir_ / "test.db").string()}}}};
    if (backend == "postgres") {
      postgres_ = new test::PostgresServer();
      repository = {{"name", "main"}, {"type", "postgres"}, {"config", {{"url", postgres_->url()}, {"pool_size", 32}}}};
    }
    // As deployed: reads go through an L1 cache, so every test below also
    // checks that writes invalidate what they must.
    json config = {
        {"http", {{"host", "127.0.0.1"}, {"port", 0}, {"threads", 16}, {"access_log", false}, {"max_body_bytes", 16 << 20}}},
        {"plugins", {{"directories", {WNO_TEST_PLUGIN_DIR}},
                     {"load", {{{"name", backend}}, {{"name", "memory_cache"}},
                               // An SDK plugin calling the 1.2 repository services (PluginsCount...).
                               {{"name", "repo_bulk"}, {"file", std::string(WNO_FIXTURE_PLUGIN_DIR) + "/wno_repo_bulk.so"}}}}}}};
    config["cache"] = json::parse(R"({
      "levels": [{"name": "l1", "backend": "memory", "config": {"max_bytes": 67108864}}],
      "regions": {"statistics": {"ttl_ms": 60000}}
    })");
    config["data"] = {{"repositories", {repository}}, {"cursor_secret", "test-secret"}};
    config["data"]["collections"]["battles"] = battlesCollection();
    config["data"]["collections"]["users"] = json::parse(R"({
      "versioned": true,
      "fields": {"username": {"type": "text", "required": true}},
      "cache": {"ttl_ms": 60000, "tags": ["people"]}
    })");
    // Read-mostly: created, listed and read, never changed.
    config["data"]["collections"]["audit_events"] = json::parse(R"({
      "fields": {"action": {"type": "text", "required": true}},
      "operations": ["list", "get", "create"]
    })");
    runtime_ = new HostRuntime(config, WNO_TEST_BINARY_DIR);
    ASSERT_TRUE(runtime_->loadPlugins().isOk());
    ASSERT_TRUE(runtime_->checkReferences().empty());
    Status s = runtime_->createComponents();
    ASSERT_TRUE(s.isOk()) << s.message();
    ASSERT_TRUE(runtime_->startHttp().isOk());
    port_ = runtime_->port();
  }
  static void TearDownTestSuite() {
    delete runtime_;
    delete postgres_;
    std::filesystem::remove_all(dir_);
  }

  static test::HttpResponse call(const std::string& method, const std::string& path, const json& body = nullptr,
                                 std::vector<std::pair<std::string, std::string>> headers = {}) {
    return httpRequest(port_, method, path, body.is_null() ? "" : body.dump(), headers);
  }
  static json create(const json& body) {
    auto r = call("POST", "/api/v1/battles", body);
    EXPECT_EQ(r.status, 201) << r.body;
    return json::parse(r.body);
  }
  static int64_t count(const std::string& query) {
    int64_t n = 0;
    std::string cursor;
    for (;;) {
      auto r = call("GET", "/api/v1/battles?limit=100" + query + (cursor.empty() ? "" : "&cursor=" + cursor));
      EXPECT_EQ(r.status, 200) << r.body;
      auto page = json::parse(r.body);
      n += static_cast<int64_t>(page["data"].size());
      if (!page["has_more"].get<bool>()) return n;
      cursor = page["next_cursor"].get<std::string>();
    }
  }

  // One call of the repo_bulk fixture plugin (an SDK job handler) through
  // the host's C table, as a plugin's job would make it.
  static Result<json> pluginCall(const json& data) {
    auto handler = JobHandlerInstance::create(runtime_->plugins().find(WNO_KIND_JOB_HANDLER, "repo_bulk"),
                                              hostApiTable(), &runtime_->services(), "repo_bulk", json::object());
    if (!handler.isOk()) return handler.status();
    const std::string text = data.dump();
    wno_job job{};
    job.struct_size = sizeof job;
    job.id = wno_str{"job-1", 5};
    job.type = wno_str{"repo_bulk", 9};
    job.data_json = wno_str{text.data(), text.size()};
    job.attempt = job.max_attempts = 1;
    std::string out;
    wno_sink sink = wno::sdk::sinkInto(out);
    auto& h = *handler.value();
    Status status = h.call("on_handle", h.vtable().on_handle, &job, &sink);
    if (!status.isOk()) return status;
    return json::parse(out);
  }

  friend int RestApiTest_port();
  static inline std::filesystem::path dir_;
  static inline HostRuntime* runtime_ = nullptr;
  static inline test::PostgresServer* postgres_ = nullptr;
  static inline int port_ = 0;
};

TEST_F(RestApiTest, CreateGetConditionalGetPatchDelete) {
  auto created = call("POST", "/api/v1/battles", {{"title", "Round 1"}, {"creator_id", 7}, {"meta", {{"k", "v"}}}});
  ASSERT_EQ(created.status, 201) << created.body;
  auto entity = json::parse(created.body);
  const std::string id = std::to_string(entity["id"].get<int64_t>());
  EXPECT_EQ(created.header("Location"), "/api/v1/battles/" + id);
  EXPECT_EQ(entity["status"], "pending");
  EXPECT_EQ(entity["version"], 1);
  EXPECT_EQ(entity["meta"], (json{{"k", "v"}}));
  EXPECT_THAT(entity["created_at"].get<std::string>(), ::testing::MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{6}Z"));

  auto got = call("GET", "/api/v1/battles/" + id);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.header("ETag"), "\"v1\"");
  EXPECT_THAT(got.header("Cache-Control"), HasSubstr("max-age="));
  EXPECT_EQ(call("GET", "/api/v1/battles/" + id, nullptr, {{"If-None-Match", "\"v1\""}}).status, 304);
  EXPECT_EQ(json::parse(call("GET", "/api/v1/battles/" + id + "?fields=id,title").body), (json{{"id", entity["id"]}, {"title", "Round 1"}}));

  EXPECT_EQ(call("PATCH", "/api/v1/battles/" + id, {{"status", "active"}}).status, 428);
  EXPECT_EQ(call("PATCH", "/api/v1/battles/" + id, {{"status", "active"}}, {{"If-Match", "\"v9\""}}).status, 412);
  auto patched = call("PATCH", "/api/v1/battles/" + id, {{"status", "active"}}, {{"If-Match", "\"v1\""}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(json::parse(patched.body)["version"], 2);
  EXPECT_EQ(patched.header("ETag"), "\"v2\"");
  EXPECT_FALSE(json::parse(patched.body)["updated_at"].is_null());
  EXPECT_EQ(call("GET", "/api/v1/battles/" + id, nullptr, {{"If-None-Match", "\"v1\""}}).status, 200);

  EXPECT_EQ(call("DELETE", "/api/v1/battles/" + id).status, 204);
  auto gone = call("GET", "/api/v1/battles/" + id);
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.contentType, "application/problem+json");
  EXPECT_EQ(call("DELETE", "/api/v1/battles/" + id).status, 404);
}

TEST_F(RestApiTest, BadRequestsNameTheParameter) {
  auto unknown = call("POST", "/api/v1/battles", {{"title", "x"}, {"creator_id", 1}, {"colour", "red"}});
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(json::parse(unknown.body)["parameter"], "colour");
  auto wrongType = call("POST", "/api/v1/battles", {{"title", "x"}, {"creator_id", "one"}});
  EXPECT_EQ(json::parse(wrongType.body)["parameter"], "creator_id");
  EXPECT_EQ(call("GET", "/api/v1/nope").status, 404);
  EXPECT_EQ(json::parse(call("GET", "/api/v1/battles?limit=1000").body)["parameter"], "limit");
  EXPECT_EQ(json::parse(call("GET", "/api/v1/battles/abc").body)["parameter"], "id");
  EXPECT_EQ(json::parse(call("GET", "/api/v1/battles?sort=slug").body)["parameter"], "sort");
  auto dup = create({{"title", "u"}, {"creator_id", 1}, {"slug", "unique-1"}});
  auto conflict = call("POST", "/api/v1/battles", {{"title", "u"}, {"creator_id", 1}, {"slug", "unique-1"}});
  EXPECT_EQ(conflict.status, 409);
}

TEST_F(RestApiTest, EveryFilterOperator) {
  const std::string tag = "ops-" + std::to_string(::getpid());
  create({{"title", tag + "-a"}, {"creator_id", 101}, {"score", 1.5}, {"featured", true}, {"status", "active"}});
  create({{"title", tag + "-b"}, {"creator_id", 102}, {"score", 2.5}, {"featured", false}, {"ends_at", "2030-01-01T00:00:00Z"}});
  create({{"title", tag + "-c"}, {"creator_id", 103}, {"status", "completed"}, {"ends_at", "2031-01-01T00:00:00+01:00"}});
  const std::string mine = "&title=like." + tag + "%25";
  EXPECT_EQ(count(mine), 3);
  EXPECT_EQ(count(mine + "&creator_id=101"), 1);
  EXPECT_EQ(count(mine + "&creator_id=eq.101"), 1);
  EXPECT_EQ(count(mine + "&creator_id=ne.101"), 2);
  EXPECT_EQ(count(mine + "&creator_id=gt.101"), 2);
  EXPECT_EQ(count(mine + "&creator_id=gte.102"), 2);
  EXPECT_EQ(count(mine + "&creator_id=lt.103"), 2);
  EXPECT_EQ(count(mine + "&creator_id=lte.101"), 1);
  EXPECT_EQ(count(mine + "&status=in.(active,completed)"), 2);
  EXPECT_EQ(count(mine + "&status=nin.(active,completed)"), 1);
  EXPECT_EQ(count(mine + "&score=is.null"), 1);
  EXPECT_EQ(count(mine + "&score=is.notnull"), 2);
  EXPECT_EQ(count(mine + "&featured=true"), 1);
  EXPECT_EQ(count(mine + "&ends_at=gt.2030-06-01T00:00:00Z"), 1);
  EXPECT_EQ(count(mine + "&score=gte.2"), 1);
}

// or=/and= groups, nesting and not. (PostgREST's grammar), checked against
// the rows each should select; paging through a group with cursors sees each
// row once, and a cursor stays bound to the whole filter.
TEST_F(RestApiTest, BooleanGroupsAndNegation) {
  const std::string tag = "bool-" + std::to_string(::getpid());
  create({{"title", tag + "-a"}, {"creator_id", 201}, {"score", 1.0}, {"status", "active"}});
  create({{"title", tag + "-b"}, {"creator_id", 202}, {"score", 6.0}, {"status", "pending"}});
  create({{"title", tag + "-c"}, {"creator_id", 202}, {"score", 2.0}, {"status", "completed"}});
  create({{"title", tag + "-d"}, {"creator_id", 203}, {"status", "active"}});
  create({{"title", tag + ",(e)"}, {"creator_id", 204}, {"score", 9.0}, {"status", "cancelled"}});
  const std::string mine = "&title=like." + tag + "%25";
  EXPECT_EQ(count(mine), 5);
  EXPECT_EQ(count(mine + "&or=(status.eq.active,creator_id.eq.202)"), 4);
  EXPECT_EQ(count(mine + "&and=(creator_id.eq.202,score.gt.5)"), 1);
  EXPECT_EQ(count(mine + "&or=(status.eq.active,and(creator_id.eq.202,score.gt.5))"), 3);
  EXPECT_EQ(count(mine + "&or=(status.in.(active,pending),score.gte.9)"), 4);
  EXPECT_EQ(count(mine + "&status=not.eq.active"), 3);
  EXPECT_EQ(count(mine + "&score=not.is.null"), 4);
  EXPECT_EQ(count(mine + "&not.or=(status.eq.active,status.eq.pending)"), 2);
  EXPECT_EQ(count(mine + "&or=(not.and(creator_id.eq.202,score.lt.5),status.eq.completed)"), 5);
  EXPECT_EQ(count(mine + "&or=(status.not.eq.active,score.is.null)"), 4);
  // A quoted value holds the commas and parentheses of the text.
  EXPECT_EQ(count("&or=(title.eq.%22" + tag + ",(e)%22,title.eq.none)"), 1);
  // Two groups and a plain filter all hold.
  EXPECT_EQ(count(mine + "&or=(creator_id.eq.201,creator_id.eq.202)&or=(score.lt.2,score.gt.5)&status=ne.completed"), 2);

  // Paging one row at a time through a group: each row once, in order.
  const std::string group = "&or=(status.eq.active,creator_id.eq.202)";
  std::set<int64_t> seen;
  std::string cursor, lastCursor;
  for (int page = 0; page < 10; ++page) {
    auto r = call("GET", "/api/v1/battles?limit=1" + mine + group + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(r.status, 200) << r.body;
    auto body = json::parse(r.body);
    for (const auto& row : body["data"]) EXPECT_TRUE(seen.insert(row["id"].get<int64_t>()).second);
    if (!body["has_more"].get<bool>()) break;
    cursor = lastCursor = body["next_cursor"].get<std::string>();
  }
  EXPECT_EQ(seen.size(), 4u);
  ASSERT_FALSE(lastCursor.empty());
  // The same cursor under another group is refused: it was bound to this one.
  auto other = call("GET", "/api/v1/battles?limit=1" + mine + "&or=(status.eq.active,creator_id.eq.203)&cursor=" + lastCursor);
  EXPECT_EQ(other.status, 400) << other.body;
  EXPECT_EQ(json::parse(other.body)["parameter"], "cursor");
}

TEST_F(RestApiTest, MalformedGroupsAreRefusedNamingTheParameter) {
  auto refused = [](const std::string& query) {
    auto r = call("GET", "/api/v1/battles?" + query);
    EXPECT_EQ(r.status, 400) << query << " -> " << r.body;
    auto body = json::parse(r.body, nullptr, false);
    return body.is_object() ? body : json::object();
  };
  EXPECT_EQ(refused("or=status.eq.active")["parameter"], "or");
  EXPECT_EQ(refused("or=()")["parameter"], "or");
  EXPECT_EQ(refused("or=(status.eq.active,)")["parameter"], "or");
  EXPECT_EQ(refused("or=(status.eq.active")["parameter"], "or");
  EXPECT_EQ(refused("and=(status.eq.active))")["parameter"], "and");
  EXPECT_EQ(refused("not.or=(status.eq.%22active)")["parameter"], "not.or");
  EXPECT_THAT(refused("or=(nosuch.eq.1,status.eq.active)")["detail"].get<std::string>(), HasSubstr("nosuch"));
  EXPECT_THAT(refused("or=(version.eq.1,status.eq.active)")["detail"].get<std::string>(), HasSubstr("not filterable"));
  EXPECT_THAT(refused("or=(creator_id.gt.x,status.eq.active)")["detail"].get<std::string>(), HasSubstr("int64"));
  EXPECT_THAT(refused("or=(status)")["detail"].get<std::string>(), HasSubstr("field.operator.value"));
  EXPECT_THAT(refused("or=(or(or(or(or(status.eq.a,status.eq.b)))))")["detail"].get<std::string>(), HasSubstr("4 deep"));
  std::string many = "or=(";
  for (int i = 0; i < 65; ++i) many += (i ? "," : "") + std::string("creator_id.eq.") + std::to_string(i);
  EXPECT_THAT(refused(many + ")")["detail"].get<std::string>(), HasSubstr("64 conditions"));
  EXPECT_EQ(refused("creator_id=not.gt.x")["parameter"], "creator_id");
}

// A repository plugin built for ABI 1.1 does not know groups or "not": the
// host refuses such a list (naming the parameter) instead of letting it
// misread the QUERY, and still serves plain filters from it. Nor does it
// write by filter: PATCH and DELETE by filter answer 501.
TEST(RestApiOldRepository, GroupsAndWritesByFilterNeedARepositoryOfAbi12) {
  if (std::string(WNO_REST_BACKEND) != "sqlite") GTEST_SKIP() << "runs once, in the sqlite build";
  const auto dir = std::filesystem::temp_directory_path() / ("wno-rest-old-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  json config = {
      {"http", {{"host", "127.0.0.1"}, {"port", 0}, {"access_log", false}}},
      {"plugins", {{"load", {{{"name", "sqlite"}, {"file", std::string(WNO_FIXTURE_PLUGIN_DIR) + "/wno_sqlite_v1_1.so"}}}}}}};
  config["data"] = {{"repositories", {{{"name", "main"}, {"type", "sqlite"}, {"config", {{"path", (dir / "old.db").string()}}}}}},
                    {"cursor_secret", "test-secret"}};
  config["data"]["collections"]["battles"] = battlesCollection();
  {
    HostRuntime runtime(config, WNO_TEST_BINARY_DIR);
    ASSERT_TRUE(runtime.loadPlugins().isOk());
    Status s = runtime.createComponents();
    ASSERT_TRUE(s.isOk()) << s.message();
    ASSERT_TRUE(runtime.startHttp().isOk());
    auto plain = httpRequest(runtime.port(), "GET", "/api/v1/battles?status=eq.active");
    EXPECT_EQ(plain.status, 200) << plain.body;
    auto group = httpRequest(runtime.port(), "GET", "/api/v1/battles?or=(status.eq.active,creator_id.eq.1)");
    EXPECT_EQ(group.status, 400) << group.body;
    EXPECT_EQ(json::parse(group.body)["parameter"], "or");
    EXPECT_THAT(json::parse(group.body)["detail"].get<std::string>(), HasSubstr("ABI 1.2"));
    auto negated = httpRequest(runtime.port(), "GET", "/api/v1/battles?status=not.eq.active");
    EXPECT_EQ(negated.status, 400) << negated.body;
    EXPECT_EQ(json::parse(negated.body)["parameter"], "status");

    // Writes by filter need the 1.2 hooks: 501 naming the repository, no
    // per-row fallback (it could not be one transaction).
    for (const char* method : {"PATCH", "DELETE"}) {
      auto r = httpRequest(runtime.port(), method, "/api/v1/battles?status=eq.pending&limit=5",
                           std::string(method) == "PATCH" ? R"({"status":"active"})" : "");
      EXPECT_EQ(r.status, 501) << method << " " << r.body;
      EXPECT_EQ(r.contentType, "application/problem+json");
      EXPECT_THAT(json::parse(r.body)["detail"].get<std::string>(), HasSubstr("(plugin sqlite, ABI 1.1)"));
      EXPECT_THAT(json::parse(r.body)["detail"].get<std::string>(), HasSubstr("ABI 1.2 or later"));
    }
    auto* repos = runtime.services().repositories();
    const std::string pending = R"({"filters":[{"field":"status","op":"eq","value":"pending"}],"limit":5})";
    EXPECT_EQ(repos->deleteWhere("battles", pending).status().code(), WNO_ERR_UNSUPPORTED);
    // Counting works with any repository, but not with groups it would misread.
    EXPECT_TRUE(repos->countWhere("battles", pending).isOk());
    EXPECT_EQ(repos->countWhere("battles", R"({"filters":[{"or":[{"field":"status","op":"eq","value":"a"}]}]})")
                  .status()
                  .code(),
              WNO_ERR_UNSUPPORTED);
    // A plugin's repo_query likewise: plain filters are served, groups and
    // "not" refused rather than read as filters the repository ignores.
    auto rows = [&](const std::string& query) {
      return repos->query("battles", query, [](std::string_view) { return Status::ok(); });
    };
    EXPECT_TRUE(rows(pending).isOk());
    EXPECT_EQ(rows(R"({"filters":[{"or":[{"field":"status","op":"eq","value":"a"}]}]})").code(), WNO_ERR_UNSUPPORTED);
    EXPECT_EQ(rows(R"({"filters":[{"field":"status","op":"eq","value":"a","not":true}]})").code(), WNO_ERR_UNSUPPORTED);
    EXPECT_EQ(rows("[1]").code(), WNO_ERR_INVALID);
  }
  std::filesystem::remove_all(dir);
}

TEST_F(RestApiTest, InjectionAttemptsChangeNothing) {
  const std::string evil = "x'); DROP TABLE battles; --";
  auto created = create({{"title", evil}, {"creator_id", 1}});
  EXPECT_EQ(created["title"], evil);
  EXPECT_EQ(call("GET", "/api/v1/battles?title=x%27%29%3B%20DROP%20TABLE%20battles%3B%20--").status, 200);
  EXPECT_EQ(call("GET", "/api/v1/battles?title=eq.x%27%20OR%20%271%27%3D%271").status, 200);
  EXPECT_EQ(count("&title=eq.x%27%20OR%20%271%27%3D%271"), 0);
  auto badField = call("GET", "/api/v1/battles?%22status%22%3B%20DROP%20TABLE%20battles=x");
  EXPECT_EQ(badField.status, 400);
  auto badSort = call("GET", "/api/v1/battles?sort=id;DROP%20TABLE%20battles");
  EXPECT_EQ(badSort.status, 400);
  auto badFields = call("GET", "/api/v1/battles?fields=id,(SELECT%201)");
  EXPECT_EQ(badFields.status, 400);
  // The table is intact and the evil title is stored verbatim.
  auto back = call("GET", "/api/v1/battles/" + std::to_string(created["id"].get<int64_t>()));
  EXPECT_EQ(json::parse(back.body)["title"], evil);
}

TEST_F(RestApiTest, CursorsAreTamperEvidentAndBoundToTheirQuery) {
  for (int i = 0; i < 3; ++i) create({{"title", "cursor"}, {"creator_id", 5}});
  auto first = json::parse(call("GET", "/api/v1/battles?limit=1&sort=-id").body);
  const std::string cursor = first["next_cursor"].get<std::string>();
  EXPECT_EQ(call("GET", "/api/v1/battles?limit=1&sort=-id&cursor=" + cursor).status, 200);
  std::string tampered = cursor;
  tampered[3] = tampered[3] == 'a' ? 'b' : 'a';
  auto bad = call("GET", "/api/v1/battles?limit=1&sort=-id&cursor=" + tampered);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json::parse(bad.body)["parameter"], "cursor");
  EXPECT_EQ(call("GET", "/api/v1/battles?limit=1&sort=id&cursor=" + cursor).status, 400);
  EXPECT_EQ(call("GET", "/api/v1/battles?limit=1&sort=-id&status=active&cursor=" + cursor).status, 400);
  EXPECT_EQ(call("GET", "/api/v1/battles?cursor=garbage").status, 400);
}

TEST_F(RestApiTest, BulkIsAllOrNothing) {
  const std::string tag = "bulk-" + std::to_string(::getpid());
  json rows = json::array();
  for (int i = 0; i < 10000; ++i) rows.push_back({{"title", tag}, {"creator_id", i}});
  const int64_t before = count("&title=" + tag);
  json badRow = rows;
  badRow[9999]["creator_id"] = "not a number";
  auto rejected = call("POST", "/api/v1/battles/bulk", badRow);
  EXPECT_EQ(rejected.status, 400);
  EXPECT_EQ(json::parse(rejected.body)["parameter"], "[9999].creator_id");
  json dupRows = rows;
  dupRows[5000]["slug"] = "bulk-dup";
  dupRows[6000]["slug"] = "bulk-dup";  // the database refuses the second: all must roll back
  EXPECT_EQ(call("POST", "/api/v1/battles/bulk", dupRows).status, 409);
  EXPECT_EQ(count("&title=" + tag), before);

  auto ok = call("POST", "/api/v1/battles/bulk", rows);
  ASSERT_EQ(ok.status, 201) << ok.body;
  auto result = json::parse(ok.body);
  EXPECT_EQ(result["created"], 10000);
  ASSERT_EQ(result["ids"].size(), 10000u);
  EXPECT_LT(result["ids"][0].get<int64_t>(), result["ids"][9999].get<int64_t>());
  EXPECT_EQ(count("&title=" + tag), before + 10000);
}

TEST_F(RestApiTest, BulkRowsRoundTripEveryTypeAndAwkwardText) {
  // Enough rows for PostgreSQL's COPY path; text that COPY must escape.
  const std::string awkward = "tab\there, newline\nthere, cr\r, backslash \\N \\ end, quote \" ' \u00e9\u2603";
  json rows = json::array();
  for (int i = 0; i < 100; ++i) {
    json row = {{"title", awkward + std::to_string(i)}, {"creator_id", 880000 + i}};
    if (i % 2) row["meta"] = {{"note", awkward}, {"list", {1, "two", nullptr}}};
    if (i % 3 == 0) row["score"] = i + 0.25;
    if (i % 3 == 1) row["featured"] = i % 2 == 0;
    if (i % 5 == 0) row["opponent_id"] = nullptr;
    if (i % 4 == 0) row["ends_at"] = "2031-02-03T04:05:06.789000Z";
    rows.push_back(row);
  }
  auto r = call("POST", "/api/v1/battles/bulk", rows);
  ASSERT_EQ(r.status, 201) << r.body;
  const json ids = json::parse(r.body)["ids"];
  ASSERT_EQ(ids.size(), 100u);
  for (size_t i = 0; i < ids.size(); ++i) {
    auto got = call("GET", "/api/v1/battles/" + std::to_string(ids[i].get<int64_t>()));
    ASSERT_EQ(got.status, 200);
    const json row = json::parse(got.body);
    EXPECT_EQ(row["title"], rows[i]["title"]) << i;
    EXPECT_EQ(row["creator_id"], rows[i]["creator_id"]);
    EXPECT_EQ(row["meta"], rows[i].value("meta", json()));
    EXPECT_EQ(row["score"], rows[i].value("score", json()));
    EXPECT_EQ(row["featured"], rows[i].value("featured", json()));
    EXPECT_TRUE(row["opponent_id"].is_null());
    EXPECT_EQ(row["ends_at"], rows[i].value("ends_at", json()));
    EXPECT_EQ(row["status"], "pending") << "defaults are filled for bulk rows too";
    EXPECT_EQ(row["version"], 1);
  }
}

TEST_F(RestApiTest, MigrationsAreIdempotentAndAddNewFieldsToExistingTables) {
  auto kept = create({{"title", "before the migration"}, {"creator_id", 1}});
  // A second host starting on the same database, with a config that gained a
  // field, runs the migration twice over (as every restart does).
  const std::string backend = WNO_REST_BACKEND;
  json config = backend == "postgres" ? json{{"url", postgres_->url()}, {"pool_size", 2}}
                                      : json{{"path", (dir_ / "test.db").string()}};
  auto repo = RepositoryInstance::create(runtime_->plugins().find(WNO_KIND_REPOSITORY, backend), hostApiTable(),
                                         &runtime_->services(), "second", config);
  ASSERT_TRUE(repo.isOk()) << repo.status().message();
  std::vector<std::string> errors;
  auto collections = data::collectionsFrom(json{{"battles", battlesCollection()}}, errors);
  ASSERT_TRUE(errors.empty());
  json definition = collections.at("battles").toRepositoryJson();
  definition["fields"].push_back({{"name", "extra_note"}, {"type", "text"}, {"nullable", true}, {"unique", false}});
  definition["fields"].push_back({{"name", "extra_code"}, {"type", "text"}, {"nullable", true}, {"unique", true}});
  definition["indexes"].push_back({{"fields", {"extra_note", "id"}}});
  const std::string text = definition.dump();
  for (int i = 0; i < 2; ++i) {
    Status s = repo.value()->call("on_define_collection", repo.value()->vtable().on_define_collection,
                                  wno_str{text.data(), text.size()});
    ASSERT_TRUE(s.isOk()) << "run " << i << ": " << s.message();
  }
  // Old rows are intact and the new column is there, empty for them.
  std::string row;
  wno_sink sink = wno::sdk::sinkInto(row);
  const std::string fields = R"(["id","title","extra_note"])";
  ASSERT_TRUE(repo.value()
                  ->call("on_get", repo.value()->vtable().on_get, wno_str{"battles", 7}, kept["id"].get<int64_t>(),
                         wno_str{fields.data(), fields.size()}, &sink)
                  .isOk());
  const json stored = json::parse(row);
  EXPECT_EQ(stored["title"], "before the migration");
  EXPECT_TRUE(stored["extra_note"].is_null());
  // And this host, which does not know the fields, keeps working.
  EXPECT_EQ(call("GET", "/api/v1/battles/" + std::to_string(kept["id"].get<int64_t>())).status, 200);
  EXPECT_EQ(create({{"title", "after the migration"}, {"creator_id", 1}})["title"], "after the migration");
  // A field added as unique is unique, though the old rows share its NULL.
  auto insert = [&](const std::string& code) {
    const std::string body = json{{"title", "coded"}, {"creator_id", 1}, {"created_at", "2026-12-01T00:00:00.000000Z"},
                                  {"version", 1}, {"extra_code", code}}.dump();
    std::string ignored;
    wno_sink out{&ignored, [](void*, const char*, size_t) -> wno_status { return WNO_OK; }};
    return repo.value()->call("on_insert", repo.value()->vtable().on_insert, wno_str{"battles", 7},
                              wno_str{body.data(), body.size()}, &out);
  };
  ASSERT_TRUE(insert("A-1").isOk());
  EXPECT_EQ(insert("A-1").code(), WNO_ERR_CONFLICT);
  EXPECT_TRUE(insert("A-2").isOk());
}

TEST_F(RestApiTest, AnOperationTheCollectionDoesNotAllowIs405WithTheMethodsItDoes) {
  auto created = call("POST", "/api/v1/audit_events", {{"action", "login"}});
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string entity = "/api/v1/audit_events/" + std::to_string(json::parse(created.body)["id"].get<int64_t>());
  auto del = call("DELETE", entity);
  EXPECT_EQ(del.status, 405);
  EXPECT_EQ(del.reason, "Method Not Allowed");
  EXPECT_EQ(del.header("Allow"), "GET");
  EXPECT_THAT(del.body, HasSubstr("does not allow delete"));
  auto patch = call("PATCH", entity, {{"action", "logout"}}, {{"If-Match", "\"1\""}});
  EXPECT_EQ(patch.status, 405);
  EXPECT_EQ(patch.header("Allow"), "GET");
  auto bulk = call("POST", "/api/v1/audit_events/bulk", json::array({{{"action", "x"}}}));
  EXPECT_EQ(bulk.status, 405);
  EXPECT_EQ(bulk.header("Allow"), "") << "nothing is allowed on the bulk path";
  EXPECT_EQ(call("GET", entity).status, 200);
}

TEST_F(RestApiTest, ErrorsAreNeverCacheableAndCarryTheirReasonPhrase) {
  // A list that fails after its caching headers were chosen.
  auto bad = call("GET", "/api/v1/battles?limit=5&cursor=not-a-cursor");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.reason, "Bad Request");
  EXPECT_EQ(bad.header("Cache-Control"), "no-store");
  EXPECT_EQ(bad.header("ETag"), "");
  auto missing = call("GET", "/api/v1/battles/987654321");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.reason, "Not Found");
  EXPECT_EQ(missing.header("Cache-Control"), "no-store");
  auto ok = call("GET", "/api/v1/battles?limit=5");
  EXPECT_EQ(ok.reason, "OK");
  EXPECT_NE(ok.header("Cache-Control"), "no-store");
}

TEST_F(RestApiTest, ConcurrentPatchesWithOneIfMatchOnlyOneWins) {
  auto entity = create({{"title", "race"}, {"creator_id", 1}});
  const std::string path = "/api/v1/battles/" + std::to_string(entity["id"].get<int64_t>());
  std::atomic<int> ok{0}, stale{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&, i] {
      auto r = call("PATCH", path, {{"votes_creator", i}}, {{"If-Match", "\"v1\""}});
      (r.status == 200 ? ok : r.status == 412 ? stale : other)++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(stale.load(), 15);
  EXPECT_EQ(other.load(), 0);
}

// Hits of one cache region, as /admin/cache/stats reports them.
int64_t regionStat(int port, const std::string& region, const std::string& stat) {
  auto r = httpRequest(port, "GET", "/admin/cache/stats");
  const json stats = json::parse(r.body);
  if (!stats["regions"].contains(region)) return 0;
  return stats["regions"][region][stat].get<int64_t>();
}

TEST_F(RestApiTest, ReadsAreCachedAndWritesInvalidateTheEntityAndThePages) {
  const std::string tag = "cache-" + std::to_string(::getpid());
  // A creator no other test uses (bulk tests create creator_id 0..9999).
  const int64_t creator = 7'000'000 + ::getpid() % 100000;
  auto a = create({{"title", tag + "-a"}, {"creator_id", creator}});
  const std::string pathA = "/api/v1/battles/" + std::to_string(a["id"].get<int64_t>());
  ASSERT_EQ(call("GET", pathA).status, 200);  // miss: now cached
  const int64_t hits = regionStat(port_, "battles", "hits");
  auto again = call("GET", pathA);
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(json::parse(again.body)["title"], tag + "-a");
  EXPECT_EQ(again.header("ETag"), "\"v1\"");
  EXPECT_EQ(regionStat(port_, "battles", "hits"), hits + 1) << "the second read is a cache hit";

  const std::string page = "/api/v1/battles?creator_id=" + std::to_string(creator) + "&limit=10";
  auto first = call("GET", page);
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(json::parse(first.body)["data"].size(), 1u);
  const std::string pageTag = first.header("ETag");
  ASSERT_FALSE(pageTag.empty());
  EXPECT_EQ(call("GET", page, nullptr, {{"If-None-Match", pageTag}}).status, 304);
  EXPECT_THAT(first.header("Cache-Control"), HasSubstr("max-age="));

  // A create shows up in the page at once, and leaves cached entities alone.
  auto b = create({{"title", tag + "-b"}, {"creator_id", creator}});
  auto second = call("GET", page);
  EXPECT_EQ(json::parse(second.body)["data"].size(), 2u);
  EXPECT_NE(second.header("ETag"), pageTag);
  const int64_t before = regionStat(port_, "battles", "hits");
  ASSERT_EQ(call("GET", pathA).status, 200);
  EXPECT_EQ(regionStat(port_, "battles", "hits"), before + 1) << "a create must not evict other entities";

  // An update is seen by the entity and the page.
  ASSERT_EQ(call("PATCH", pathA, {{"title", tag + "-a2"}}, {{"If-Match", "\"v1\""}}).status, 200);
  auto updated = call("GET", pathA);
  EXPECT_EQ(json::parse(updated.body)["title"], tag + "-a2");
  EXPECT_EQ(updated.header("ETag"), "\"v2\"");
  bool pageUpdated = false;
  const json afterUpdate = json::parse(call("GET", page).body);  // a local: the loop must not outlive it
  for (const auto& row : afterUpdate["data"]) pageUpdated |= row["title"] == tag + "-a2";
  EXPECT_TRUE(pageUpdated);
  // Field selection is served from the same cached entity, with its ETag.
  auto partial = call("GET", pathA + "?fields=title");
  EXPECT_EQ(json::parse(partial.body), (json{{"title", tag + "-a2"}}));
  EXPECT_EQ(partial.header("ETag"), "\"v2\"");

  // A delete removes it from both.
  ASSERT_EQ(call("DELETE", pathA).status, 204);
  EXPECT_EQ(call("GET", pathA).status, 404);
  EXPECT_EQ(json::parse(call("GET", page).body)["data"].size(), 1u);
  EXPECT_EQ(json::parse(call("GET", page).body)["data"][0]["id"], b["id"]);
}

TEST_F(RestApiTest, AdminInvalidationByTagCountsTheEntriesItDropped) {
  std::vector<std::string> paths;
  for (int i = 0; i < 3; ++i) {
    auto u = call("POST", "/api/v1/users", {{"username", "inv-" + std::to_string(::getpid()) + "-" + std::to_string(i)}});
    ASSERT_EQ(u.status, 201) << u.body;
    paths.push_back("/api/v1/users/" + std::to_string(json::parse(u.body)["id"].get<int64_t>()));
    ASSERT_EQ(call("GET", paths.back()).status, 200);
  }
  // The collection's extra tag from config is on every cached user.
  auto r = call("POST", "/admin/cache/invalidate", {{"tags", {"people"}}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_GE(json::parse(r.body)["invalidated"].get<int64_t>(), 3);
  const int64_t misses = regionStat(port_, "users", "misses");
  ASSERT_EQ(call("GET", paths[0]).status, 200);
  EXPECT_EQ(regionStat(port_, "users", "misses"), misses + 1) << "invalidated: read from the database again";
  auto none = call("POST", "/admin/cache/invalidate", {{"tags", {"no-such-tag"}}});
  EXPECT_EQ(json::parse(none.body)["invalidated"], 0);
}

TEST_F(RestApiTest, UserStatsAreComputedOnceThroughGetOrComputeInRegionStatistics) {
  auto user = call("POST", "/api/v1/users", {{"username", "stats-" + std::to_string(::getpid())}});
  ASSERT_EQ(user.status, 201);
  const int64_t id = json::parse(user.body)["id"].get<int64_t>();
  const int64_t already = count("&creator_id=" + std::to_string(id));  // other tests' rows may use this id
  for (int i = 0; i < 3; ++i) create({{"title", "stats"}, {"creator_id", id}});
  const int64_t computes = regionStat(port_, "statistics", "computes");
  auto first = call("GET", "/api/v1/users/" + std::to_string(id) + "/stats");
  ASSERT_EQ(first.status, 200) << first.body;
  const json stats = json::parse(first.body);
  EXPECT_EQ(stats["user_id"], id);
  EXPECT_EQ(stats["battles_created"], already + 3);
  auto second = call("GET", "/api/v1/users/" + std::to_string(id) + "/stats");
  EXPECT_EQ(json::parse(second.body), stats) << "the second read is the cached computation";
  EXPECT_EQ(regionStat(port_, "statistics", "computes"), computes + 1);
  EXPECT_GE(regionStat(port_, "statistics", "hits"), 1);
  auto missing = call("GET", "/api/v1/users/987654321/stats");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.contentType, "application/problem+json");
}

// cache.invalidates: each write of a battle drops the cached stats of the
// users it names, old and new, so the stats route answers the new counts
// at once instead of after the statistics TTL.
TEST_F(RestApiTest, WritesOfCountedRowsDropTheCachedStatsOfTheUsersTheyName) {
  auto newUser = [&](const std::string& name) {
    auto r = call("POST", "/api/v1/users", {{"username", name + "-" + std::to_string(::getpid())}});
    EXPECT_EQ(r.status, 201) << r.body;
    return json::parse(r.body)["id"].get<int64_t>();
  };
  const int64_t alice = newUser("alice"), bob = newUser("bob");
  auto stats = [&](int64_t user) {
    auto r = call("GET", "/api/v1/users/" + std::to_string(user) + "/stats");
    EXPECT_EQ(r.status, 200) << r.body;
    const json j = json::parse(r.body);
    return std::pair<int64_t, int64_t>{j["battles_created"].get<int64_t>(), j["battles_joined"].get<int64_t>()};
  };
  using Counts = std::pair<int64_t, int64_t>;
  const Counts alice0 = stats(alice), bob0 = stats(bob);  // both cached now
  const int64_t computes = regionStat(port_, "statistics", "computes");
  EXPECT_EQ(stats(alice), alice0) << "a second read is the cached value";
  EXPECT_EQ(regionStat(port_, "statistics", "computes"), computes);

  // Create: the creator's stats.
  const json battle = create({{"title", "rules"}, {"creator_id", alice}});
  const std::string path = "/api/v1/battles/" + std::to_string(battle["id"].get<int64_t>());
  EXPECT_EQ(stats(alice), Counts(alice0.first + 1, alice0.second));
  // Update of a field a rule reads: the new opponent's stats.
  auto joined = call("PATCH", path, {{"opponent_id", bob}}, {{"If-Match", "\"v1\""}});
  ASSERT_EQ(joined.status, 200) << joined.body;
  EXPECT_EQ(stats(bob), Counts(bob0.first, bob0.second + 1));
  // The creator changes: the old one's stats as well as the new one's.
  auto moved = call("PATCH", path, {{"creator_id", bob}}, {{"If-Match", "\"v2\""}});
  ASSERT_EQ(moved.status, 200) << moved.body;
  EXPECT_EQ(stats(alice), alice0);
  EXPECT_EQ(stats(bob), Counts(bob0.first + 1, bob0.second + 1));
  // Delete: the values are read before the row goes.
  ASSERT_EQ(call("DELETE", path).status, 204);
  EXPECT_EQ(stats(bob), bob0);
  // A bulk create, then a delete by filter.
  ASSERT_EQ(call("POST", "/api/v1/battles/bulk", json::array({{{"title", "b1"}, {"creator_id", alice}},
                                                               {{"title", "b2"}, {"creator_id", alice}}}))
                .status,
            201);
  EXPECT_EQ(stats(alice), Counts(alice0.first + 2, alice0.second));
  auto removed = call("DELETE", "/api/v1/battles?creator_id=eq." + std::to_string(alice) + "&title=in.(b1,b2)&limit=10");
  ASSERT_EQ(removed.status, 200) << removed.body;
  EXPECT_EQ(stats(alice), alice0);
}

TEST_F(RestApiTest, LargePagesAreStreamedChunkedSmallOnesAreNot) {
  json rows = json::array();
  for (int i = 0; i < 120; ++i) rows.push_back({{"title", "stream"}, {"creator_id", 777}});
  ASSERT_EQ(call("POST", "/api/v1/battles/bulk", rows).status, 201);
  auto big = call("GET", "/api/v1/battles?creator_id=777&limit=100");
  ASSERT_EQ(big.status, 200);
  EXPECT_EQ(big.header("Transfer-Encoding"), "chunked");
  const json page = json::parse(big.body);
  EXPECT_EQ(page["data"].size(), 100u);
  EXPECT_TRUE(page["has_more"].get<bool>());
  auto small = call("GET", "/api/v1/battles?creator_id=777&limit=20&fields=id");
  EXPECT_NE(small.header("Transfer-Encoding"), "chunked");
  EXPECT_EQ(json::parse(small.body)["data"][0], (json{{"id", page["data"][0]["id"]}})) << "fields pushed down";
}

TEST_F(RestApiTest, EveryRepositoryCallIsTimedUnderItsName) {
  auto row = create({{"title", "timed"}, {"creator_id", 1}});
  const std::string path = "/api/v1/battles/" + std::to_string(row["id"].get<int64_t>());
  call("GET", path);
  call("PATCH", path, {{"title", "timed2"}}, {{"If-Match", "\"v1\""}});
  call("DELETE", path);
  call("POST", "/api/v1/battles/bulk", json::array({{{"title", "timed"}, {"creator_id", 1}}}));
  call("GET", "/api/v1/battles?limit=5&sort=-id");
  const std::string metrics = httpRequest(port_, "GET", "/metrics").body;
  for (const char* op : {"list", "create", "create_many", "update", "delete", "get"}) {
    EXPECT_THAT(metrics, HasSubstr("wno_repository_query_duration_seconds_count{cached=\"false\",collection=\"battles\",op=\"" +
                                   std::string(op) + "\"}"))
        << op;
  }
  EXPECT_THAT(metrics, HasSubstr("wno_cache_hits_total{level=\"l1\",region=\"battles\"}"));
  EXPECT_THAT(metrics, HasSubstr("wno_cache_region_bytes{level=\"l1\",region=\"battles\"}"));
}

int RestApiTest_port();

// ---------------------------------------------------------------- writes by filter

// Battles titled `title`, created in one bulk call: their ids, ascending.
std::vector<int64_t> createTitled(const std::string& title, int n, int64_t firstCreator) {
  json rows = json::array();
  for (int i = 0; i < n; ++i) rows.push_back({{"title", title}, {"creator_id", firstCreator + i}});
  auto r = httpRequest(RestApiTest_port(), "POST", "/api/v1/battles/bulk", rows.dump());
  EXPECT_EQ(r.status, 201) << r.body;
  return json::parse(r.body)["ids"].get<std::vector<int64_t>>();
}

TEST_F(RestApiTest, PatchAndDeleteByFilterChangeTheFirstLimitRowsInOneGo) {
  const std::string tag = "where-" + std::to_string(::getpid());
  const auto ids = createTitled(tag, 5, 900);  // creators 900..904
  // Three of the five, the highest creators first: ids[2..4].
  auto patched = call("PATCH", "/api/v1/battles?title=eq." + tag + "&sort=-creator_id&limit=3", {{"status", "active"}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(json::parse(patched.body), (json{{"updated", 3}, {"ids", {ids[2], ids[3], ids[4]}}}));
  EXPECT_EQ(patched.header("Preference-Applied"), "");
  for (size_t i = 0; i < ids.size(); ++i) {
    auto row = call("GET", "/api/v1/battles/" + std::to_string(ids[i]));
    const bool changed = i >= 2;
    EXPECT_EQ(json::parse(row.body)["status"], changed ? "active" : "pending") << i;
    EXPECT_EQ(row.header("ETag"), changed ? "\"v2\"" : "\"v1\"") << "versions go up as a single PATCH's do";
    const json stored = json::parse(row.body);
    EXPECT_EQ(stored["updated_at"] != stored["created_at"], changed) << "updated_at is set as by a single PATCH";
  }

  // With return=representation the rows come back too, shaped by fields.
  auto shown = call("PATCH", "/api/v1/battles?title=eq." + tag + "&status=eq.active&limit=10&fields=id,version,votes_creator",
                    {{"votes_creator", 5}}, {{"Prefer", "return=representation"}});
  ASSERT_EQ(shown.status, 200) << shown.body;
  EXPECT_EQ(shown.header("Preference-Applied"), "return=representation");
  const json body = json::parse(shown.body);
  EXPECT_EQ(body["updated"], 3);
  ASSERT_EQ(body["data"].size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(body["data"][i], (json{{"id", ids[i + 2]}, {"version", 3}, {"votes_creator", 5}}));
  }

  // Nothing matching is a 200 that changed nothing.
  auto none = call("PATCH", "/api/v1/battles?title=eq." + tag + "-nobody&limit=10", {{"status", "active"}});
  ASSERT_EQ(none.status, 200) << none.body;
  EXPECT_EQ(json::parse(none.body), (json{{"updated", 0}, {"ids", json::array()}}));

  // DELETE: the rows as they were, then gone.
  auto deleted = call("DELETE", "/api/v1/battles?title=eq." + tag + "&status=eq.pending&limit=100", nullptr,
                      {{"Prefer", "count=exact, return=representation"}});
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  const json gone = json::parse(deleted.body);
  EXPECT_EQ(gone["deleted"], 2);
  EXPECT_EQ(gone["ids"], (json{ids[0], ids[1]}));
  EXPECT_EQ(gone["data"][0]["title"], tag);
  EXPECT_EQ(gone["data"][1]["creator_id"], 901);
  EXPECT_EQ(call("GET", "/api/v1/battles/" + std::to_string(ids[0])).status, 404);
  EXPECT_EQ(count("&title=eq." + tag), 3);
  auto rest = call("DELETE", "/api/v1/battles?title=eq." + tag + "&limit=100");
  EXPECT_EQ(json::parse(rest.body), (json{{"deleted", 3}, {"ids", {ids[2], ids[3], ids[4]}}}));
  EXPECT_EQ(count("&title=eq." + tag), 0);
}

TEST_F(RestApiTest, WritesByFilterAcceptOrAndNotGroups) {
  const std::string tag = "where-or-" + std::to_string(::getpid());
  const auto ids = createTitled(tag, 4, 910);  // creators 910..913
  auto r = call("PATCH", "/api/v1/battles?title=eq." + tag + "&or=(creator_id.eq.910,creator_id.eq.913)&limit=10",
                {{"status", "completed"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["ids"], (json{ids[0], ids[3]}));
  auto d = call("DELETE", "/api/v1/battles?title=eq." + tag + "&status=not.eq.completed&limit=10");
  ASSERT_EQ(d.status, 200) << d.body;
  EXPECT_EQ(json::parse(d.body)["ids"], (json{ids[1], ids[2]}));
  EXPECT_EQ(count("&title=eq." + tag), 2);
}

TEST_F(RestApiTest, WritesByFilterNeedAFilterAndABoundedLimit) {
  const std::string tag = "where-bad-" + std::to_string(::getpid());
  const auto ids = createTitled(tag, 2, 920);
  const std::string mine = "title=eq." + tag;
  auto refused = [](const std::string& method, const std::string& query, const json& body = json{{"status", "active"}},
                    std::vector<std::pair<std::string, std::string>> headers = {}) {
    auto r = call(method, "/api/v1/battles?" + query, method == "PATCH" ? body : json(), std::move(headers));
    EXPECT_EQ(r.status, 400) << method << " " << query << " -> " << r.body;
    EXPECT_EQ(r.contentType, "application/problem+json");
    auto problem = json::parse(r.body, nullptr, false);
    return problem.is_object() ? problem : json::object();
  };
  for (const std::string method : {"PATCH", "DELETE"}) {
    const json noFilter = refused(method, "limit=5");
    EXPECT_EQ(noFilter["parameter"], "filter");
    EXPECT_THAT(noFilter.value("detail", ""), HasSubstr("at least one filter"));
    EXPECT_THAT(noFilter.value("detail", ""), HasSubstr("creator_id"));  // names the filterable fields
    EXPECT_EQ(refused(method, "sort=-id&limit=5")["parameter"], "filter");
    EXPECT_EQ(refused(method, mine)["parameter"], "limit");
    EXPECT_THAT(refused(method, mine).value("detail", ""), HasSubstr("limit=1 to 100"));
    EXPECT_EQ(refused(method, mine + "&limit=101")["parameter"], "limit");
    EXPECT_EQ(refused(method, mine + "&limit=0")["parameter"], "limit");
    EXPECT_EQ(refused(method, mine + "&limit=5&cursor=abc")["parameter"], "cursor");
    EXPECT_EQ(refused(method, "nosuch=1&limit=5")["parameter"], "nosuch");
    EXPECT_EQ(refused(method, "or=(status.eq.active,creator_id.gt.x)&limit=5")["parameter"], "or");
  }
  // The body is checked as a single PATCH's: read-only and unknown fields,
  // types, an empty patch; If-Match belongs to one entity.
  EXPECT_EQ(refused("PATCH", mine + "&limit=5", {{"version", 9}})["parameter"], "version");
  EXPECT_EQ(refused("PATCH", mine + "&limit=5", {{"updated_at", "2030-01-01T00:00:00Z"}})["parameter"], "updated_at");
  EXPECT_EQ(refused("PATCH", mine + "&limit=5", {{"colour", "red"}})["parameter"], "colour");
  EXPECT_EQ(refused("PATCH", mine + "&limit=5", {{"creator_id", "one"}})["parameter"], "creator_id");
  EXPECT_EQ(refused("PATCH", mine + "&limit=5", json::object())["parameter"], "body");
  EXPECT_EQ(refused("PATCH", mine + "&limit=5", {{"status", "active"}}, {{"If-Match", "\"v1\""}})["parameter"], "If-Match");
  // Nothing was changed by any of them.
  for (int64_t id : ids) EXPECT_EQ(call("GET", "/api/v1/battles/" + std::to_string(id)).header("ETag"), "\"v1\"");
  EXPECT_EQ(count("&" + mine), 2);
}

TEST_F(RestApiTest, ABulkPatchThatBreaksAUniqueFieldChangesNothing) {
  const std::string tag = "where-unique-" + std::to_string(::getpid());
  const auto ids = createTitled(tag, 3, 930);
  auto r = call("PATCH", "/api/v1/battles?title=eq." + tag + "&limit=10", {{"slug", tag}});
  EXPECT_EQ(r.status, 409) << r.body;
  for (int64_t id : ids) {
    const json row = json::parse(call("GET", "/api/v1/battles/" + std::to_string(id)).body);
    EXPECT_EQ(row["version"], 1);
    EXPECT_TRUE(row["slug"].is_null());
  }
  // One row may take it.
  EXPECT_EQ(call("PATCH", "/api/v1/battles?title=eq." + tag + "&limit=1", {{"slug", tag}}).status, 200);
}

TEST_F(RestApiTest, WritesByFilterInvalidateCachedEntitiesAndPages) {
  const std::string tag = "where-cache-" + std::to_string(::getpid());
  const int64_t creator = 8'000'000 + ::getpid() % 100000;
  const auto ids = createTitled(tag, 2, creator);
  const std::string pathA = "/api/v1/battles/" + std::to_string(ids[0]);
  ASSERT_EQ(call("GET", pathA).status, 200);  // cached now
  const int64_t hits = regionStat(port_, "battles", "hits");
  ASSERT_EQ(call("GET", pathA).status, 200);
  ASSERT_EQ(regionStat(port_, "battles", "hits"), hits + 1) << "the entity is served from the cache";
  const std::string page = "/api/v1/battles?title=eq." + tag + "&limit=10";
  auto before = call("GET", page);
  ASSERT_EQ(json::parse(before.body)["data"].size(), 2u);
  EXPECT_EQ(call("GET", page, nullptr, {{"If-None-Match", before.header("ETag")}}).status, 304) << "the page is cached";

  ASSERT_EQ(call("PATCH", "/api/v1/battles?title=eq." + tag + "&limit=10", {{"status", "cancelled"}}).status, 200);
  auto entity = call("GET", pathA);
  EXPECT_EQ(json::parse(entity.body)["status"], "cancelled");
  EXPECT_EQ(entity.header("ETag"), "\"v2\"");
  auto after = call("GET", page);
  EXPECT_NE(after.header("ETag"), before.header("ETag"));
  const json afterRows = json::parse(after.body)["data"];
  ASSERT_EQ(afterRows.size(), 2u);
  for (const auto& row : afterRows) EXPECT_EQ(row["status"], "cancelled");

  ASSERT_EQ(call("DELETE", "/api/v1/battles?title=eq." + tag + "&limit=10").status, 200);
  EXPECT_EQ(call("GET", pathA).status, 404);
  EXPECT_EQ(json::parse(call("GET", page).body)["data"].size(), 0u);
}

TEST_F(RestApiTest, WritesByFilterFollowTheCollectionsOperations) {
  for (const std::string method : {"PATCH", "DELETE"}) {
    auto r = call(method, "/api/v1/audit_events?action=eq.login&limit=5", method == "PATCH" ? json{{"action", "x"}} : json());
    EXPECT_EQ(r.status, 405) << method;
    EXPECT_EQ(r.header("Allow"), "GET, POST") << "list and create are what it allows on that path";
    EXPECT_THAT(r.body, HasSubstr("does not allow " + std::string(method == "PATCH" ? "update" : "delete")));
  }
  // The entity path lists what is allowed there, as before.
  auto created = call("POST", "/api/v1/audit_events", {{"action", "login"}});
  ASSERT_EQ(created.status, 201);
  const std::string entity = "/api/v1/audit_events/" + std::to_string(json::parse(created.body)["id"].get<int64_t>());
  EXPECT_EQ(call("DELETE", entity).header("Allow"), "GET");
}

TEST_F(RestApiTest, EveryWriteByFilterIsTimedUnderItsName) {
  const std::string tag = "where-timed-" + std::to_string(::getpid());
  createTitled(tag, 1, 940);
  EXPECT_EQ(call("PATCH", "/api/v1/battles?title=eq." + tag + "&limit=1", {{"status", "active"}}).status, 200);
  EXPECT_EQ(call("DELETE", "/api/v1/battles?title=eq." + tag + "&limit=1").status, 200);
  const std::string metrics = httpRequest(port_, "GET", "/metrics").body;
  for (const char* op : {"update_where", "delete_where"}) {
    EXPECT_THAT(metrics, HasSubstr("wno_repository_query_duration_seconds_count{cached=\"false\",collection=\"battles\",op=\"" +
                                   std::string(op) + "\"}"))
        << op;
  }
}

// repo_count, repo_create_many, repo_update_where and repo_delete_where
// from an SDK plugin (tests/host/fixtures/repo_bulk_handler.cpp) through
// the host's C table into the real repository.
TEST_F(RestApiTest, PluginsCountCreateManyAndWriteByFilterThroughTheSdk) {
  const std::string tag = "plugin-bulk-" + std::to_string(::getpid());
  const json mine = {{"field", "title"}, {"op", "eq"}, {"value", tag}};
  json rows = json::array();
  rows.push_back({{"title", tag}, {"creator_id", 950}});
  rows.push_back({{"title", tag}, {"creator_id", 951}});
  rows.push_back({{"title", tag}, {"creator_id", 952}, {"status", "active"}});
  auto created = pluginCall({{"call", "create_many"}, {"collection", "battles"}, {"rows", rows}});
  ASSERT_TRUE(created.isOk()) << created.status().message();
  const auto ids = created.value()["ids"].get<std::vector<int64_t>>();
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_LT(ids[0], ids[2]);
  EXPECT_EQ(json::parse(call("GET", "/api/v1/battles/" + std::to_string(ids[0])).body)["status"], "pending")
      << "defaults are filled as for POST";

  auto countOf = [&](const json& filters) {
    auto r = pluginCall({{"call", "count"}, {"collection", "battles"}, {"query", {{"filters", filters}}}});
    EXPECT_TRUE(r.isOk()) << r.status().message();
    return r.isOk() ? r.value()["count"].get<int64_t>() : -1;
  };
  EXPECT_EQ(countOf(json::array({mine})), 3);
  const json either = {{"or", json::array({{{"field", "status"}, {"op", "eq"}, {"value", "active"}},
                                           {{"field", "creator_id"}, {"op", "eq"}, {"value", 950}}})}};
  EXPECT_EQ(countOf(json::array({mine, either})), 2);

  // A cached entity sees what the plugin changes.
  const std::string last = "/api/v1/battles/" + std::to_string(ids[2]);
  ASSERT_EQ(call("GET", last).status, 200);
  const json newestTwo = {{"filters", json::array({mine})},
                          {"sort", json::array({{{"field", "id"}, {"desc", true}}})},
                          {"limit", 2}};
  auto updated = pluginCall({{"call", "update_where"}, {"collection", "battles"}, {"query", newestTwo},
                             {"patch", {{"status", "completed"}}}});
  ASSERT_TRUE(updated.isOk()) << updated.status().message();
  const json changed = updated.value();
  EXPECT_EQ(changed["count"], 2);
  ASSERT_EQ(changed["rows"].size(), 2u);
  EXPECT_EQ(changed["rows"][0]["id"], ids[1]);  // ordered by id
  EXPECT_EQ(changed["rows"][1]["id"], ids[2]);
  EXPECT_EQ(changed["rows"][1]["version"], 2);
  EXPECT_FALSE(changed["rows"][1]["updated_at"].is_null());
  EXPECT_EQ(json::parse(call("GET", last).body)["status"], "completed");

  // The rules are the HTTP API's.
  auto refusedWith = [](const json& data, const std::string& text) {
    auto r = pluginCall(data);
    EXPECT_FALSE(r.isOk()) << data.dump();
    if (r.isOk()) return;
    EXPECT_EQ(r.status().code(), WNO_ERR_INVALID) << r.status().message();
    EXPECT_THAT(r.status().message(), HasSubstr(text));
  };
  auto update = [&](const json& query, const json& patch = json{{"status", "active"}}) {
    return json{{"call", "update_where"}, {"collection", "battles"}, {"query", query}, {"patch", patch}};
  };
  refusedWith(update({{"filters", json::array({mine})}}), "limit");
  refusedWith(update({{"filters", json::array({mine})}, {"limit", 1000}}), "limit: expected an integer from 1 to 100");
  refusedWith(update({{"filters", json::array()}, {"limit", 1}}), "filters");
  refusedWith(update({{"filters", json::array({mine})}, {"limit", 1}, {"after", {1}}}), "after");
  refusedWith(update({{"filters", json::array({mine})}, {"limit", 1}}, {{"version", 1}}), "version");
  refusedWith({{"call", "count"}, {"collection", "nosuch"}}, "no collection");
  json badRows = json::array();
  badRows.push_back({{"title", tag}, {"creator_id", 1}});
  badRows.push_back({{"title", tag}, {"creator_id", "x"}});
  refusedWith({{"call", "create_many"}, {"collection", "battles"}, {"rows", badRows}}, "[1].creator_id");
  EXPECT_EQ(countOf(json::array({mine})), 3) << "the refused rows were not stored";

  auto deleted = pluginCall({{"call", "delete_where"}, {"collection", "battles"},
                             {"query", {{"filters", json::array({mine})}, {"limit", 10}}}});
  ASSERT_TRUE(deleted.isOk()) << deleted.status().message();
  EXPECT_EQ(deleted.value()["count"], 3);
  EXPECT_EQ(call("GET", last).status, 404);
  EXPECT_EQ(countOf(json::array({mine})), 0);
}


// Walks every page with the given sort and checks each row appears once, in order.
// With `noiseTitle`, a writer keeps inserting rows that match the filter
// while the walk runs: they may or may not show up (depending on where they
// sort relative to the cursor), but no row may appear twice, the order must
// hold, and every one of `originals` must be seen.
void walkAll(const std::string& sort, const std::string& filter, size_t expected, const std::set<int64_t>& originals = {},
             const std::string& noiseTitle = "") {
  std::atomic<bool> stop{false};
  std::thread writer;
  const bool concurrentInserts = !noiseTitle.empty();
  if (concurrentInserts) {
    writer = std::thread([&] {
      for (int i = 0; !stop && i < 300; ++i) {
        json row = {{"title", noiseTitle}, {"creator_id", i % 101}};
        if (i % 2) row["ends_at"] = "2030-01-15T00:00:00Z";
        httpRequest(RestApiTest_port(), "POST", "/api/v1/battles", row.dump());
      }
    });
  }
  std::set<int64_t> seen;
  std::vector<json> rows;
  std::string cursor;
  for (int pages = 0; pages < 1000; ++pages) {
    auto r = httpRequest(RestApiTest_port(), "GET",
                         "/api/v1/battles?limit=100&sort=" + sort + filter + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(r.status, 200) << r.body;
    auto page = json::parse(r.body);
    for (auto& row : page["data"]) {
      EXPECT_TRUE(seen.insert(row["id"].get<int64_t>()).second) << "row " << row["id"] << " seen twice with sort " << sort;
      rows.push_back(row);
    }
    if (!page["has_more"].get<bool>()) break;
    cursor = page["next_cursor"].get<std::string>();
  }
  stop = true;
  if (writer.joinable()) writer.join();
  if (concurrentInserts) {
    size_t missing = 0;
    for (int64_t id : originals) missing += seen.count(id) ? 0 : 1;
    EXPECT_EQ(missing, 0u) << "original rows skipped with sort " << sort << " while rows were inserted";
    EXPECT_GE(seen.size(), expected) << sort;
  } else {
    EXPECT_EQ(seen.size(), expected) << sort;
  }
  // In order: compare consecutive rows by the sort keys (NULL sorts last ascending).
  std::vector<std::pair<std::string, bool>> keys;
  for (auto part : {sort}) {
    size_t start = 0;
    while (start < part.size()) {
      size_t end = part.find(',', start);
      if (end == std::string::npos) end = part.size();
      std::string k = part.substr(start, end - start);
      const bool desc = k[0] == '-';
      keys.emplace_back(desc ? k.substr(1) : k, desc);
      start = end + 1;
    }
  }
  if (keys.back().first != "id") keys.emplace_back("id", keys.front().second);
  auto cmp = [](const json& a, const json& b) {  // -1, 0, 1 with null as +infinity
    if (a.is_null() && b.is_null()) return 0;
    if (a.is_null()) return 1;
    if (b.is_null()) return -1;
    return a < b ? -1 : (b < a ? 1 : 0);
  };
  for (size_t i = 1; i < rows.size(); ++i) {
    int order = 0;
    for (const auto& [field, desc] : keys) {
      order = cmp(rows[i - 1][field], rows[i][field]);
      if (desc) order = -order;
      if (order != 0) break;
    }
    ASSERT_LT(order, 0) << "rows out of order at " << i << " with sort " << sort << ": " << rows[i - 1] << " then "
                        << rows[i];
  }
}

int RestApiTest_port() { return RestApiTest::port_; }

TEST_F(RestApiTest, WalkingEveryPageReturnsEveryRowOnceInOrder) {
  const std::string tag = "walk-" + std::to_string(::getpid());
  json rows = json::array();
  for (int i = 0; i < 10000; ++i) {
    json row = {{"title", tag + "-" + std::to_string(i % 37)}, {"creator_id", i % 101}};
    if (i % 3) row["ends_at"] = "2030-01-" + std::string(i % 28 < 9 ? "0" : "") + std::to_string(i % 28 + 1) + "T00:00:00Z";
    rows.push_back(row);
  }
  std::set<int64_t> originals;
  for (int chunk = 0; chunk < 2; ++chunk) {
    json part(rows.begin() + chunk * 5000, rows.begin() + (chunk + 1) * 5000);
    auto r = call("POST", "/api/v1/battles/bulk", part);
    ASSERT_EQ(r.status, 201);
    const json created = json::parse(r.body);  // a local: the loop must not outlive it
    for (const auto& id : created["ids"]) originals.insert(id.get<int64_t>());
  }
  ASSERT_EQ(originals.size(), 10000u);
  const std::string filter = "&title=like." + tag + "-%25";
  for (const std::string sort : {"id", "-id", "created_at", "-created_at", "title", "-title,creator_id", "ends_at",
                                 "-ends_at", "creator_id,-ends_at"}) {
    walkAll(sort, filter, 10000);
  }
  // While matching rows are inserted: ascending id (new rows land ahead of
  // the cursor and are seen), descending id (behind it), and sorts on keys
  // that tie with the originals.
  for (const std::string sort : {"id", "-id", "-created_at", "title", "ends_at", "creator_id,-ends_at"}) {
    walkAll(sort, filter, 10000, originals, tag + "-noise-" + sort);
  }
}

}  // namespace
}  // namespace wno::host
