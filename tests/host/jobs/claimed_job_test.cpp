// Claimed records read by scan (jobs/claimed_job.h): every member the
// worker uses, escapes, defaults for what a record leaves out, and a clear
// refusal, naming the member, for what it cannot use.
#include "jobs/claimed_job.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace wno::host::jobs {
namespace {

using ::testing::HasSubstr;

TEST(ClaimedJob, ReadsEveryMemberTheWorkerUsesAndKeepsDataAsWritten) {
  std::string error;
  const auto job = readClaimedJob(
      R"({"id":"j-1","type":"send","queue":"mail","priority":0,"data":{"to": ["a", "b"], "n": 1.5},)"
      R"("state":"active","attempts_made":3,"max_attempts":5,)"
      R"("backoff":{"type":"fixed","delay_ms":250,"jitter":0.25},"timeout_ms":9000,)"
      R"("run_at_ms":1700000000000,"created_at_ms":1,"started_at_ms":1700000000100,"last_error":null})",
      error);
  ASSERT_TRUE(job) << error;
  EXPECT_EQ(job->id, "j-1");
  EXPECT_EQ(job->type, "send");
  EXPECT_EQ(job->queue, "mail");
  EXPECT_EQ(job->priority, 0);
  EXPECT_EQ(job->dataJson, R"({"to": ["a", "b"], "n": 1.5})");
  EXPECT_EQ(job->attemptsMade, 3u);
  EXPECT_EQ(job->maxAttempts, 5u);
  EXPECT_EQ(job->backoff.kind, Backoff::Kind::Fixed);
  EXPECT_EQ(job->backoff.delayMs, 250);
  EXPECT_DOUBLE_EQ(job->backoff.jitter, 0.25);
  EXPECT_EQ(job->timeoutMs, 9000);
  EXPECT_EQ(job->runAtMs, 1700000000000);
  ASSERT_TRUE(job->claimedAtMs);
  EXPECT_EQ(*job->claimedAtMs, 1700000000100);
}

TEST(ClaimedJob, DecodesEscapedStrings) {
  std::string error;
  const auto job = readClaimedJob(R"({"id":"a\"b\\c\u00e9","type":"t\n","queue":"q"})", error);
  ASSERT_TRUE(job) << error;
  EXPECT_EQ(job->id, "a\"b\\c\xc3\xa9");
  EXPECT_EQ(job->type, "t\n");
}

TEST(ClaimedJob, MembersLeftOutKeepTheirDefaults) {
  std::string error;
  const auto job = readClaimedJob(R"({"id":"x","started_at_ms":null,"backoff":null})", error);
  ASSERT_TRUE(job) << error;
  EXPECT_EQ(job->dataJson, "null");
  EXPECT_FALSE(job->claimedAtMs);
  EXPECT_EQ(job->attemptsMade, 1u);
  EXPECT_EQ(job->timeoutMs, 0);
  EXPECT_EQ(job->backoff.kind, Backoff::Kind::Exponential);
}

TEST(ClaimedJob, DataNestedDeeperThanTheScanGoesIsStillRead) {
  const std::string deep = std::string(100, '[') + std::string(100, ']');
  std::string error;
  const auto job = readClaimedJob(R"({"id":"deep","attempts_made":2,"data":)" + deep + "}", error);
  ASSERT_TRUE(job) << error;
  EXPECT_EQ(job->dataJson, deep);
  EXPECT_EQ(job->attemptsMade, 2u);
}

TEST(ClaimedJob, RefusesWhatItCannotUseNamingTheMember) {
  std::string error;
  EXPECT_FALSE(readClaimedJob(R"({"id":"x","priority":"high"})", error));
  EXPECT_THAT(error, HasSubstr("\"priority\""));
  EXPECT_FALSE(readClaimedJob(R"({"id":"x","attempts_made":-1})", error));
  EXPECT_THAT(error, HasSubstr("\"attempts_made\""));
  EXPECT_FALSE(readClaimedJob(R"({"id":"x","backoff":{"delay_ms":"soon"}})", error));
  EXPECT_THAT(error, HasSubstr("\"backoff\""));
  EXPECT_FALSE(readClaimedJob(R"({"id":7})", error));
  EXPECT_THAT(error, HasSubstr("\"id\""));
  EXPECT_FALSE(readClaimedJob(R"({"type":"t"})", error));
  EXPECT_THAT(error, HasSubstr("\"id\""));
  EXPECT_FALSE(readClaimedJob(R"({"id":"x",})", error));
  EXPECT_THAT(error, HasSubstr("not a JSON object"));
  EXPECT_FALSE(readClaimedJob(R"([1])", error));
  EXPECT_FALSE(readClaimedJob("{\"id\":\"\xff\"}", error));
}

}  // namespace
}  // namespace wno::host::jobs
