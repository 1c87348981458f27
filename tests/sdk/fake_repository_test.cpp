// FakeHost's in-memory repository, reached through the real host table as a
// plugin reaches it: ids, versions and the version check, QUERY filters,
// sort with NULLs last, keyset "after", limits and fields, injected
// failures, the thin behaviour of collections nobody defined, and the 1.2
// services (count, create many, writes by filter) with or/and/not filters.
#include <wno/sdk/sdk.hpp>
#include <wno/sdk/testing.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace {

using nlohmann::json;
using wno::sdk::testing::FakeHost;

class FakeRepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    h.repo.define("users");
    for (const auto& [name, role, score] : std::vector<std::tuple<std::string, std::string, json>>{
             {"ann", "admin", 5}, {"bob", "user", nullptr}, {"cid", "user", 9}, {"dan", "moderator", 5}}) {
      h.repo.insert("users", {{"username", name}, {"role", role}, {"score", score}});
    }
  }
  std::vector<std::string> names(const json& query) {
    std::vector<std::string> out;
    for (const auto& row : host.repoQuery("users", query.dump())) out.push_back(json::parse(row)["username"]);
    return out;
  }

  FakeHost h;
  wno::sdk::Host host{h.api(), h.ctx()};
};

TEST_F(FakeRepositoryTest, CreateGetUpdateDeleteWithVersions) {
  const json created = json::parse(host.repoCreate("users", R"({"username":"eve","id":99})"));
  EXPECT_EQ(created["id"], 5);  // ids come from the repository, not the caller
  EXPECT_EQ(created["version"], 1);
  EXPECT_TRUE(created["created_at"].is_string());
  EXPECT_EQ(json::parse(*host.repoGet("users", 5))["username"], "eve");
  EXPECT_FALSE(host.repoGet("users", 42));

  const json updated = json::parse(host.repoUpdate("users", 5, 1, R"({"role":"admin"})"));
  EXPECT_EQ(updated["version"], 2);
  EXPECT_EQ(updated["role"], "admin");
  try {
    host.repoUpdate("users", 5, 1, R"({"role":"user"})");
    FAIL();
  } catch (const wno::sdk::Error& e) {
    EXPECT_EQ(e.status(), WNO_ERR_PRECONDITION);
    EXPECT_EQ(h.lastError(), "stale version: expected 1, stored 2");
  }
  EXPECT_EQ(json::parse(host.repoUpdate("users", 5, -1, R"({"role":"user"})"))["version"], 3);  // -1: no check
  EXPECT_TRUE(host.repoDelete("users", 5));
  EXPECT_FALSE(host.repoDelete("users", 5));
  EXPECT_EQ(h.created.size(), 1u);  // the recorded calls are still there
  EXPECT_EQ(h.updated.size(), 3u);
}

TEST_F(FakeRepositoryTest, QueryFiltersSortAfterLimitAndFields) {
  EXPECT_EQ(names({{"filters", {{{"field", "role"}, {"op", "eq"}, {"value", "user"}}}}}),
            (std::vector<std::string>{"bob", "cid"}));
  EXPECT_EQ(names({{"filters", {{{"field", "role"}, {"op", "in"}, {"value", {"admin", "moderator"}}}}}}),
            (std::vector<std::string>{"ann", "dan"}));
  EXPECT_EQ(names({{"filters", {{{"field", "score"}, {"op", "gte"}, {"value", 5}}}}}),
            (std::vector<std::string>{"ann", "cid", "dan"}));
  EXPECT_EQ(names({{"filters", {{{"field", "score"}, {"op", "is_null"}}}}}), (std::vector<std::string>{"bob"}));
  EXPECT_EQ(names({{"filters", {{{"field", "username"}, {"op", "like"}, {"value", "%n"}}}}}),
            (std::vector<std::string>{"ann", "dan"}));
  // NULL never matches a comparison, not even ne.
  EXPECT_EQ(names({{"filters", {{{"field", "score"}, {"op", "ne"}, {"value", 5}}}}}), (std::vector<std::string>{"cid"}));
  // Sort by score desc, id as tie-breaker; NULL sorts as +infinity (first when descending).
  const json sort = {{{"field", "score"}, {"desc", true}}, {{"field", "id"}, {"desc", true}}};
  EXPECT_EQ(names({{"sort", sort}}), (std::vector<std::string>{"bob", "cid", "dan", "ann"}));
  EXPECT_EQ(names({{"sort", sort}, {"after", {9, 3}}, {"limit", 1}}), (std::vector<std::string>{"dan"}));
  EXPECT_EQ(names({{"sort", {{{"field", "id"}}}}, {"after", {2}}}), (std::vector<std::string>{"cid", "dan"}));
  const auto rows = host.repoQuery("users", R"({"fields":["id","role"],"limit":1})");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(json::parse(rows[0]), (json{{"id", 1}, {"role", "admin"}}));
}

TEST_F(FakeRepositoryTest, InjectedFailuresAndHooks) {
  h.repo.failNext("get", WNO_ERR_UNAVAILABLE, "db down", "users");
  try {
    host.repoGet("users", 1);
    FAIL();
  } catch (const wno::sdk::Error& e) {
    EXPECT_EQ(e.status(), WNO_ERR_UNAVAILABLE);
    EXPECT_EQ(h.lastError(), "db down");
  }
  EXPECT_TRUE(host.repoGet("users", 1));  // once only
  EXPECT_EQ(h.repo.calls("get"), 2);

  h.repo.beforeUpdate = [&](const std::string& c, int64_t id) { h.repo.patch(c, id, {{"score", 1}}); };
  EXPECT_THROW(host.repoUpdate("users", 1, 1, R"({"score":2})"), wno::sdk::Error);
  EXPECT_EQ(h.repo.row("users", 1)->at("score"), 1);
}

TEST_F(FakeRepositoryTest, UndefinedCollectionsKeepTheThinFakes) {
  EXPECT_FALSE(host.repoGet("nowhere", 1));
  EXPECT_FALSE(host.repoDelete("nowhere", 1));
  EXPECT_EQ(host.repoCreate("nowhere", R"({"a":1})"), R"({"a":1})");
  EXPECT_EQ(host.repoUpdate("nowhere", 1, 1, R"({"a":2})"), R"({"a":2})");
  EXPECT_THROW(host.repoQuery("nowhere", "{}"), wno::sdk::Error);
  // A scripted onRepoQuery still wins over the repository.
  h.onRepoQuery = [](const std::string&, const std::string&) { return std::vector<std::string>{"{\"id\":7}"}; };
  EXPECT_EQ(host.repoQuery("users", "{}"), std::vector<std::string>{"{\"id\":7}"});
}

TEST_F(FakeRepositoryTest, CountsAndWritesByFilterWithGroups) {
  const json users = {{"filters", {{{"field", "role"}, {"op", "eq"}, {"value", "user"}}}}};
  EXPECT_EQ(host.repoCount("users", users.dump()), 2);
  const json either = {{"filters", {{{"or", {{{"field", "role"}, {"op", "eq"}, {"value", "admin"}},
                                            {{"field", "score"}, {"op", "is_null"}}}}}}}};
  EXPECT_EQ(host.repoCount("users", either.dump()), 2);  // ann, bob
  const json notEither = {{"filters", {{{"or", either["filters"][0]["or"]}, {"not", true}}}}};
  EXPECT_EQ(host.repoCount("users", notEither.dump()), 2);  // cid, dan

  EXPECT_EQ(host.repoCreateMany("users", R"([{"username":"eve","role":"user"},{"username":"fay","role":"user"}])"),
            (std::vector<int64_t>{5, 6}));
  EXPECT_EQ(host.repoCount("users", users.dump()), 4);

  // The first two users by score descending (NULL first), then by id.
  const json query = {{"filters", users["filters"]}, {"sort", {{{"field", "score"}, {"desc", true}}}}, {"limit", 2}};
  const auto updated = host.repoUpdateWhere("users", query.dump(), R"({"role":"moderator"})");
  EXPECT_EQ(updated.count, 2);
  ASSERT_EQ(updated.rows.size(), 2u);
  EXPECT_EQ(json::parse(updated.rows[0])["username"], "bob");  // rows ordered by id
  EXPECT_EQ(json::parse(updated.rows[0])["version"], 2);
  EXPECT_EQ(json::parse(updated.rows[1])["username"], "eve");
  EXPECT_EQ(host.repoCount("users", users.dump()), 2);

  const auto deleted = host.repoDeleteWhere("users", json{{"filters", users["filters"]}, {"limit", 10}}.dump());
  EXPECT_EQ(deleted.count, 2);
  EXPECT_EQ(host.repoCount("users", users.dump()), 0);
  EXPECT_EQ(h.repo.rows("users").size(), 4u);
  // A write by filter needs a filter and a limit.
  EXPECT_THROW(host.repoDeleteWhere("users", R"({"filters":[],"limit":1})"), wno::sdk::Error);
  EXPECT_THROW(host.repoDeleteWhere("users", users.dump()), wno::sdk::Error);
  EXPECT_EQ(h.repo.calls("delete_where"), 3);
}

}  // namespace
