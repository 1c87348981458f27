// The process_content handler through its C vtable, against FakeHost's
// in-memory repository: processed and rejected rows, idempotent re-runs,
// the version check with re-reads, missing rows, repository failures and
// cancellation.
#include <wno/sdk/testing.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>

namespace {

using ::testing::HasSubstr;
using nlohmann::json;
using wno::sdk::testing::FakeHost;
using wno::sdk::testing::handle;

class ProcessContentTest : public ::testing::Test {
 protected:
  void SetUp() override { host.repo.define("contents"); }

  wno::sdk::testing::Instance<wno_type_job_handler> handler(const json& config = json::object()) {
    return host.create<wno_type_job_handler>(WNO_KIND_JOB_HANDLER, "process_content", config.dump());
  }
  int64_t seed(const std::string& kind, const std::string& body, const std::string& status = "pending") {
    return host.repo.insert("contents", {{"user_id", 7}, {"kind", kind}, {"body", body}, {"status", status}})["id"];
  }
  json run(const wno::sdk::testing::Instance<wno_type_job_handler>& h, int64_t id, wno_status expected = WNO_OK) {
    std::string result;
    const wno_status s = handle(h, "process_content", json{{"content_id", id}}.dump(), &result);
    EXPECT_EQ(s, expected) << host.lastError();
    return result.empty() ? json() : json::parse(result);
  }
  json row(int64_t id) { return host.repo.row("contents", id).value_or(json()); }

  FakeHost host;
};

TEST_F(ProcessContentTest, APendingRowIsNormalizedAndProcessed) {
  auto h = handler();
  const int64_t id = seed("text", "  gm   frens \r\n\r\n\r\n wagmi  ");
  const json result = run(h, id);
  EXPECT_EQ(result, (json{{"content_id", id}, {"status", "processed"}, {"changed", true}, {"length", 15}}));
  const json r = row(id);
  EXPECT_EQ(r["status"], "processed");
  EXPECT_EQ(r["body"], "gm frens\n\nwagmi");
  EXPECT_EQ(r["version"], 2);
  ASSERT_TRUE(r["processed_at"].is_string());
  EXPECT_TRUE(std::regex_match(r["processed_at"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)")))
      << r["processed_at"];
  EXPECT_EQ(host.metric("wno_content_moderation_total|outcome=processed"), 1);
}

TEST_F(ProcessContentTest, AnUnchangedBodyIsNotRewritten) {
  auto h = handler();
  const int64_t id = seed("text", "already clean");
  run(h, id);
  ASSERT_EQ(host.updated.size(), 1u);
  EXPECT_FALSE(json::parse(host.updated[0].second).contains("body"));
}

TEST_F(ProcessContentTest, BadContentIsRejectedWithItsReason) {
  auto h = handler({{"banned_words", {"rug"}}});
  const int64_t id = seed("text", "this coin will RUG");
  const json result = run(h, id);
  EXPECT_EQ(result["status"], "rejected");
  EXPECT_EQ(result["reason"], "banned word \"rug\"");
  const json r = row(id);
  EXPECT_EQ(r["status"], "rejected");
  EXPECT_EQ(r["body"], "this coin will RUG");  // left as written
  EXPECT_TRUE(r["processed_at"].is_string());
  EXPECT_FALSE(r.contains("reason"));  // no reason_field configured
  EXPECT_EQ(host.metric("wno_content_moderation_total|outcome=rejected"), 1);
}

TEST_F(ProcessContentTest, TheReasonGoesToTheConfiguredField) {
  auto h = handler({{"reason_field", "moderation_note"}, {"max_length", {{"video", 20}}}});
  const int64_t id = seed("video", "https://cdn.example.com/very/long/path.mp4");
  run(h, id);
  EXPECT_EQ(row(id)["moderation_note"], "too long: 42 characters, at most 20 for kind \"video\"");
}

TEST_F(ProcessContentTest, UrlKindsAreChecked) {
  auto h = handler();
  const int64_t good = seed("image", " https://cdn.example.com/pepe.png\n");
  const int64_t bad = seed("image", "a picture of pepe");
  EXPECT_EQ(run(h, good)["status"], "processed");
  EXPECT_EQ(row(good)["body"], "https://cdn.example.com/pepe.png");
  EXPECT_EQ(run(h, bad)["status"], "rejected");
}

TEST_F(ProcessContentTest, ReRunsAreNoOps) {
  auto h = handler();
  const int64_t id = seed("text", "hello");
  run(h, id);
  const int updates = host.repo.calls("update");
  const json again = run(h, id);
  EXPECT_EQ(again, (json{{"content_id", id}, {"status", "processed"}, {"changed", false}}));
  EXPECT_EQ(host.repo.calls("update"), updates);
  EXPECT_EQ(row(id)["version"], 2);

  const int64_t rejected = seed("text", "x", "rejected");
  EXPECT_EQ(run(h, rejected)["changed"], false);
  EXPECT_EQ(row(rejected)["version"], 1);
  EXPECT_EQ(host.metric("wno_content_moderation_total|outcome=unchanged"), 2);
}

TEST_F(ProcessContentTest, AMissingRowFailsForGood) {
  auto h = handler();
  run(h, 404, WNO_ERR_INVALID);
  EXPECT_EQ(host.lastError(), "contents 404 does not exist");
}

TEST_F(ProcessContentTest, BadJobDataFailsForGood) {
  auto h = handler();
  EXPECT_EQ(handle(h, "process_content", "{}"), WNO_ERR_INVALID);
  EXPECT_EQ(host.lastError(), "job data needs \"content_id\"");
  EXPECT_EQ(handle(h, "process_content", R"({"content_id":-3})"), WNO_ERR_INVALID);
  EXPECT_THAT(host.lastError(), HasSubstr("must be a positive integer id"));
  EXPECT_EQ(handle(h, "process_content", R"([1])"), WNO_ERR_INVALID);
  EXPECT_THAT(host.lastError(), HasSubstr("must be a JSON object"));
  EXPECT_EQ(handle(h, "process_content", "not json"), WNO_ERR_INVALID);
  // Ids as decimal strings are accepted (JavaScript clients).
  const int64_t id = seed("text", "hi");
  EXPECT_EQ(handle(h, "process_content", json{{"content_id", std::to_string(id)}}.dump()), WNO_OK);
}

TEST_F(ProcessContentTest, AStaleVersionMakesItReadAgain) {
  auto h = handler();
  const int64_t id = seed("text", "first  draft");
  // Another writer edits the body between our read and our update, once.
  int interfered = 0;
  host.repo.beforeUpdate = [&](const std::string&, int64_t rowId) {
    if (interfered++ == 0) host.repo.patch("contents", rowId, {{"body", "second   draft"}});
  };
  const json result = run(h, id);
  EXPECT_EQ(result["status"], "processed");
  EXPECT_EQ(host.repo.calls("update"), 2);
  const json r = row(id);
  EXPECT_EQ(r["body"], "second draft");  // decided on the newer body
  EXPECT_EQ(r["version"], 3);
}

TEST_F(ProcessContentTest, AConcurrentModeratorWins) {
  auto h = handler();
  const int64_t id = seed("text", "hello");
  host.repo.beforeUpdate = [&](const std::string&, int64_t rowId) {
    host.repo.patch("contents", rowId, {{"status", "rejected"}});
  };
  const json result = run(h, id);
  EXPECT_EQ(result, (json{{"content_id", id}, {"status", "rejected"}, {"changed", false}}));
}

TEST_F(ProcessContentTest, EndlessContentionIsARetryableConflict) {
  auto h = handler({{"max_update_attempts", 3}});
  const int64_t id = seed("text", "hello");
  host.repo.beforeUpdate = [&](const std::string&, int64_t rowId) {
    host.repo.patch("contents", rowId, {{"user_id", 8}});
  };
  run(h, id, WNO_ERR_CONFLICT);
  EXPECT_EQ(host.repo.calls("update"), 3);
  EXPECT_THAT(host.lastError(), HasSubstr("kept changing: 3 updates in a row"));
  EXPECT_EQ(row(id)["status"], "pending");
}

TEST_F(ProcessContentTest, ARowDeletedMidwayFailsForGood) {
  auto h = handler();
  const int64_t id = seed("text", "hello");
  host.repo.beforeUpdate = [&](const std::string&, int64_t rowId) { host.repo.erase("contents", rowId); };
  run(h, id, WNO_ERR_INVALID);
  EXPECT_EQ(host.lastError(), "contents " + std::to_string(id) + " was deleted while it was moderated");
}

TEST_F(ProcessContentTest, RepositoryOutagesAreRetryableAndKeepTheHostMessage) {
  auto h = handler();
  const int64_t id = seed("text", "hello");
  host.repo.failNext("get", WNO_ERR_UNAVAILABLE, "database is locked");
  run(h, id, WNO_ERR_UNAVAILABLE);
  EXPECT_EQ(host.lastError(), "database is locked");
  host.repo.failNext("update", WNO_ERR_TIMEOUT, "statement timeout");
  run(h, id, WNO_ERR_TIMEOUT);
  EXPECT_EQ(host.lastError(), "statement timeout");
  EXPECT_EQ(run(h, id)["status"], "processed");  // and the next attempt succeeds
}

TEST_F(ProcessContentTest, ACancelledJobStopsBeforeWriting) {
  auto h = handler();
  const int64_t id = seed("text", "hello");
  host.stopJob("job-1");
  run(h, id, WNO_ERR_CANCELLED);
  EXPECT_EQ(host.repo.calls("update"), 0);
  EXPECT_EQ(row(id)["status"], "pending");
}

TEST_F(ProcessContentTest, ACustomCollectionAndUnversionedRows) {
  host.repo.define("posts", false);
  auto h = handler({{"collection", "posts"}});
  const int64_t id = host.repo.insert("posts", {{"kind", "text"}, {"body", "a  b"}})["id"];
  std::string result;
  ASSERT_EQ(handle(h, "process_content", json{{"content_id", id}}.dump(), &result), WNO_OK) << host.lastError();
  EXPECT_EQ(host.repo.row("posts", id)->at("body"), "a b");
  EXPECT_FALSE(host.repo.row("posts", id)->contains("version"));
}

TEST_F(ProcessContentTest, BadConfigIsRefusedAtCreate) {
  auto refused = [&](const json& config) {
    try {
      handler(config);
    } catch (const wno::sdk::Error& e) {
      EXPECT_EQ(e.status(), WNO_ERR_INVALID);
      return std::string(e.what());
    }
    return std::string("(created)");
  };
  EXPECT_THAT(refused({{"banned_word", {"x"}}}), HasSubstr("unknown config key \"banned_word\""));
  EXPECT_THAT(refused({{"banned_patterns", {"(("}}}), HasSubstr("banned_patterns[0]"));
  EXPECT_THAT(refused({{"max_update_attempts", 0}}), HasSubstr("max_update_attempts: expected an integer from 1"));
  EXPECT_THAT(refused({{"reason_field", 3}}), HasSubstr("reason_field"));
  EXPECT_EQ(refused(json::object()), "(created)");
}

}  // namespace
