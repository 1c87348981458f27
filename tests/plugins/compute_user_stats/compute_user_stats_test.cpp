// The compute_user_stats handler through its C vtable: the counts the host
// declares (the stats route's list), written to the route's cache key with
// its tags and region, one repo_count per count, a host that declares none,
// failures and cancel.
#include <wno/sdk/testing.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace {

using ::testing::HasSubstr;
using nlohmann::json;
using wno::sdk::testing::FakeHost;
using wno::sdk::testing::handle;

class ComputeUserStatsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* c : {"users", "battles", "contents", "token_holdings"}) host.repo.define(c);
    host.repo.define("comments", false);
    user = host.repo.insert("users", {{"username", "pepe"}})["id"];
    other = host.repo.insert("users", {{"username", "wojak"}})["id"];
    for (int i = 0; i < 3; ++i) host.repo.insert("battles", {{"title", "b"}, {"creator_id", user}, {"opponent_id", other}});
    for (int i = 0; i < 2; ++i) host.repo.insert("battles", {{"title", "b"}, {"creator_id", other}, {"opponent_id", user}});
    host.repo.insert("battles", {{"title", "open"}, {"creator_id", other}});
    for (int i = 0; i < 7; ++i) host.repo.insert("contents", {{"user_id", user}, {"kind", "text"}, {"body", "x"}});
    host.repo.insert("contents", {{"user_id", other}, {"kind", "text"}, {"body", "x"}});
    for (int i = 0; i < 4; ++i) host.repo.insert("comments", {{"content_id", 1}, {"user_id", user}, {"content", "c"}});
    host.repo.insert("token_holdings", {{"user_id", user}, {"wallet_address", "w"}});
    host.userStatsCounts = kDefaultCounts;
  }
  // As the host hands out the default /data/user_stats/counts.
  static constexpr const char* kDefaultCounts = R"([
    {"name":"battles_created","collection":"battles","field":"creator_id"},
    {"name":"battles_joined","collection":"battles","field":"opponent_id"},
    {"name":"contents","collection":"contents","field":"user_id"},
    {"name":"comments","collection":"comments","field":"user_id"},
    {"name":"token_holdings","collection":"token_holdings","field":"user_id"}])";
  wno::sdk::testing::Instance<wno_type_job_handler> handler(const json& config = json::object()) {
    return host.create<wno_type_job_handler>(WNO_KIND_JOB_HANDLER, "compute_user_stats", config.dump());
  }
  json run(const wno::sdk::testing::Instance<wno_type_job_handler>& h, int64_t id, wno_status expected = WNO_OK) {
    std::string result;
    EXPECT_EQ(handle(h, "compute_user_stats", json{{"user_id", id}}.dump(), &result), expected) << host.lastError();
    return result.empty() ? json() : json::parse(result);
  }

  FakeHost host;
  int64_t user = 0;
  int64_t other = 0;
};

TEST_F(ComputeUserStatsTest, ComputesTheRoutesStatsAndRefreshesItsCacheEntry) {
  auto h = handler();
  const json stats = run(h, user);
  ASSERT_TRUE(stats["computed_at"].is_string());
  json expected = {{"user_id", user},   {"computed_at", stats["computed_at"]}, {"battles_created", 3},
                   {"battles_joined", 2}, {"contents", 7},                      {"comments", 4},
                   {"token_holdings", 1}};
  EXPECT_EQ(stats, expected);

  const std::string key = "stats:user:" + std::to_string(user);
  ASSERT_TRUE(host.cacheValue(key));
  EXPECT_EQ(json::parse(*host.cacheValue(key)), stats);
  const auto& written = host.cacheWrites.at(key);
  EXPECT_EQ(written.region, "statistics");
  EXPECT_EQ(written.tags, (std::vector<std::string>{"users:" + std::to_string(user), "users:" + std::to_string(user) + ":stats", "user_stats"}));
  EXPECT_EQ(written.ttlMs, 0);  // the region's TTL, as the route uses
  EXPECT_EQ(host.metric("wno_user_stats_refreshed_total"), 1);
  const auto timings = host.timings();
  ASSERT_EQ(timings.size(), 1u) << "the computation is timed once";
  EXPECT_EQ(timings[0].collection, "users");
  EXPECT_EQ(timings[0].operation, "user_stats");
  EXPECT_GT(timings[0].durationNs, 0);
  EXPECT_FALSE(timings[0].cached);

  const json others = run(h, other);
  EXPECT_EQ(others["battles_created"], 3);
  EXPECT_EQ(others["battles_joined"], 3);
  EXPECT_EQ(others["comments"], 0);
}

TEST_F(ComputeUserStatsTest, EachCountIsOneRepoCountWhateverTheRows) {
  for (int i = 0; i < 2500; ++i) host.repo.insert("contents", {{"user_id", user}, {"kind", "text"}, {"body", "y"}});
  auto h = handler({{"ttl_ms", 120000}});
  EXPECT_EQ(run(h, user)["contents"], 2507);
  EXPECT_EQ(host.repo.calls("count"), 5) << "one per count";
  EXPECT_EQ(host.repo.calls("query"), 0) << "no paging over ids";
  EXPECT_EQ(host.cacheWrites.at("stats:user:" + std::to_string(user)).ttlMs, 120000);
}

TEST_F(ComputeUserStatsTest, TheFormerPageSizeIsAcceptedAndIgnoredWithAWarning) {
  auto h = handler({{"page_size", 4}});
  bool warned = false;
  for (const auto& line : host.logs()) warned |= line.message.find("page_size is ignored") != std::string::npos;
  EXPECT_TRUE(warned);
  EXPECT_EQ(run(h, user)["contents"], 7);
}

TEST_F(ComputeUserStatsTest, CountsExactlyWhatTheHostDeclares) {
  host.userStatsCounts = R"([{"name":"posts","collection":"contents","field":"user_id"},
                             {"name":"challenged","collection":"battles","field":"opponent_id"}])";
  auto h = handler();
  const json stats = run(h, user);
  EXPECT_EQ(stats, json({{"user_id", user}, {"computed_at", stats["computed_at"]}, {"posts", 7}, {"challenged", 2}}));
  EXPECT_EQ(host.repo.calls("count"), 2);
}

TEST_F(ComputeUserStatsTest, AHostThatDeclaresNoStatisticsIsRefusedAtCreate) {
  host.userStatsCounts.reset();
  const wno_status created = [&] {
    try {
      handler();
      return WNO_OK;
    } catch (const wno::sdk::Error& e) {
      return e.status();
    }
  }();
  EXPECT_EQ(created, WNO_ERR_UNAVAILABLE) << "no list of its own to fall back on";
  EXPECT_THAT(host.lastError(), HasSubstr("user statistics are unavailable"));
}

TEST_F(ComputeUserStatsTest, ACountTheRepositoryRefusesFailsTheJobForGood) {
  // The host checked the list at start, so INVALID here is a real fault:
  // it is reported, not silently left out.
  auto h = handler();
  host.repo.failNext("count", WNO_ERR_INVALID, "no collection \"comments\"", "comments");
  run(h, user, WNO_ERR_INVALID);
  EXPECT_THAT(host.lastError(), HasSubstr("comments"));
  EXPECT_TRUE(host.cacheWrites.empty());
}

TEST_F(ComputeUserStatsTest, AnUnknownUserFailsForGood) {
  auto h = handler();
  run(h, 777, WNO_ERR_INVALID);
  EXPECT_EQ(host.lastError(), "users 777 does not exist");
  EXPECT_TRUE(host.cacheWrites.empty());
  EXPECT_EQ(handle(h, "compute_user_stats", "{}"), WNO_ERR_INVALID);
  EXPECT_EQ(host.lastError(), "job data needs \"user_id\"");
}

TEST_F(ComputeUserStatsTest, RepositoryFailuresAreRetryable) {
  auto h = handler();
  host.repo.failNext("count", WNO_ERR_UNAVAILABLE, "database is locked", "battles");
  run(h, user, WNO_ERR_UNAVAILABLE);
  EXPECT_EQ(host.lastError(), "database is locked");
  EXPECT_EQ(host.timings().size(), 1u) << "a failed computation is timed too";
  EXPECT_TRUE(host.cacheWrites.empty());
  EXPECT_EQ(run(h, user)["contents"], 7);
}

TEST_F(ComputeUserStatsTest, ACancelledJobWritesNoCacheEntry) {
  auto h = handler();
  host.stopJob("job-1");
  run(h, user, WNO_ERR_CANCELLED);
  EXPECT_TRUE(host.cacheWrites.empty());
  EXPECT_EQ(host.repo.calls("count"), 0);
}

TEST_F(ComputeUserStatsTest, BadConfigIsRefusedAtCreate) {
  try {
    handler({{"page_size", 0}});  // ignored, but a malformed one is still refused
    FAIL();
  } catch (const wno::sdk::Error& e) {
    EXPECT_EQ(e.status(), WNO_ERR_INVALID);
    EXPECT_THAT(e.what(), HasSubstr("page_size: expected an integer from 1"));
  }
  try {
    handler({{"region", "other"}});
    FAIL();
  } catch (const wno::sdk::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("unknown config key \"region\""));
  }
}

}  // namespace
