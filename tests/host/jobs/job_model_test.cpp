// The job system's pure parts: backoff timing, enqueue request validation
// (every refusal names its member), /jobs config cross-checks, rate windows.
#include "jobs/backoff.h"
#include "jobs/job_config.h"
#include "jobs/job_data_schema.h"
#include "jobs/job_request.h"
#include "jobs/rate_window.h"
#include "common/clock.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace wno::host::jobs {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

TEST(JobIds, NewIdsAreHexWithTheirCreationTimeFirstSoLaterOnesSortAfter) {
  const int64_t before = common::unixNowMs();
  const std::string a = newJobId();
  const int64_t after = common::unixNowMs();
  ASSERT_EQ(a.size(), 32u);
  EXPECT_TRUE(validJobId(a));
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  const int64_t stamped = std::stoll(a.substr(0, 12), nullptr, 16);
  EXPECT_GE(stamped, before);
  EXPECT_LE(stamped, after);
  while (common::unixNowMs() <= stamped) {
  }
  const std::string b = newJobId();
  EXPECT_LT(a, b);
  EXPECT_NE(a.substr(12), newJobId().substr(12));  // the random part differs
}

TEST(Backoff, FixedWaitsTheSameEveryTime) {
  Backoff b{Backoff::Kind::Fixed, 500, 0};
  EXPECT_EQ(retryDelayMs(b, 1, 60000, 0.5), 500);
  EXPECT_EQ(retryDelayMs(b, 7, 60000, 0.5), 500);
}

TEST(Backoff, ExponentialDoublesPerAttemptUpToTheCap) {
  Backoff b{Backoff::Kind::Exponential, 100, 0};
  EXPECT_EQ(retryDelayMs(b, 1, 60000, 0), 100);
  EXPECT_EQ(retryDelayMs(b, 2, 60000, 0), 200);
  EXPECT_EQ(retryDelayMs(b, 5, 60000, 0), 1600);
  EXPECT_EQ(retryDelayMs(b, 30, 60000, 0), 60000);
  EXPECT_EQ(retryDelayMs(b, 4000000000u, 60000, 0), 60000);  // no overflow
}

TEST(Backoff, JitterShortensWithinItsRange) {
  Backoff b{Backoff::Kind::Fixed, 1000, 0.25};
  EXPECT_EQ(retryDelayMs(b, 1, 60000, 0), 1000);
  EXPECT_EQ(retryDelayMs(b, 1, 60000, 0.999999), 750);
  for (int i = 0; i < 1000; ++i) {
    const int64_t d = retryDelayMs(b, 1, 60000, jitterUnit());
    ASSERT_GE(d, 750);
    ASSERT_LE(d, 1000);
  }
}

TEST(Backoff, NoNextAttemptOnceAttemptsAreUsedUp) {
  Backoff b{Backoff::Kind::Fixed, 10, 0};
  EXPECT_EQ(nextAttemptAtMs(b, 1, 3, 1000, 60000, 0), 1010);
  EXPECT_EQ(nextAttemptAtMs(b, 3, 3, 1000, 60000, 0), -1);
}

JobsConfig testConfig() {
  std::vector<std::string> errors;
  auto c = jobsConfigFrom(json::parse(R"({
    "store": {"type": "memory"},
    "queues": [{"name": "default", "concurrency": 2}, {"name": "mail", "concurrency": 1}],
    "defaults": {"attempts": 4, "backoff": {"type": "fixed", "delay_ms": 250}, "timeout_ms": 5000},
    "handlers": [{"type": "send_mail", "queue": "mail"}, {"type": "resize", "attempts": 2}]
  })"),
                          errors);
  EXPECT_TRUE(errors.empty()) << errors.front();
  return *c;
}

std::optional<json> request(const std::string& text, RequestError& error, int64_t now = 1000) {
  static const JobsConfig config = testConfig();
  return jobRecordFromRequest(json::parse(text), config, now, error);
}

TEST(JobRequest, FillsTheRecordFromTheTypeAndTheDefaults) {
  RequestError error;
  auto r = request(R"({"type":"send_mail","data":{"to":"a@b"}})", error);
  ASSERT_TRUE(r) << error.parameter << ": " << error.message;
  EXPECT_EQ((*r)["queue"], "mail");
  EXPECT_EQ((*r)["priority"], Normal);
  EXPECT_EQ((*r)["max_attempts"], 4);
  EXPECT_EQ((*r)["backoff"]["type"], "fixed");
  EXPECT_EQ((*r)["backoff"]["delay_ms"], 250);
  EXPECT_EQ((*r)["timeout_ms"], 5000);
  EXPECT_EQ((*r)["state"], "waiting");
  EXPECT_EQ((*r)["run_at_ms"], 1000);
  EXPECT_EQ((*r)["data"]["to"], "a@b");
  EXPECT_EQ((*r)["id"].get<std::string>().size(), 32u);
  EXPECT_TRUE((*r)["started_at_ms"].is_null());
  EXPECT_EQ((*r)["cancel_requested"], false);
}

TEST(JobRequest, TakesEveryOptionTheApiDocuments) {
  RequestError error;
  auto r = request(R"({"type":"resize","priority":"critical","attempts":9,"job_id":"img:42",
                       "backoff":{"type":"exponential","delay_ms":10,"jitter":0.5},"delay_ms":3000,
                       "queue":"mail","timeout_ms":0})",
                   error);
  ASSERT_TRUE(r) << error.message;
  EXPECT_EQ((*r)["id"], "img:42");
  EXPECT_EQ((*r)["priority"], Critical);
  EXPECT_EQ((*r)["max_attempts"], 9);
  EXPECT_EQ((*r)["backoff"]["jitter"], 0.5);
  EXPECT_EQ((*r)["run_at_ms"], 4000);
  EXPECT_EQ((*r)["queue"], "mail");
  EXPECT_EQ((*r)["timeout_ms"], 0);
}

TEST(JobRequest, EveryRefusalNamesTheMember) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({})", "type"},
      {R"({"type":""})", "type"},
      {R"({"type":"nope"})", "type"},
      {R"({"type":"resize","colour":"red"})", "colour"},
      {R"({"type":"resize","priority":"urgent"})", "priority"},
      {R"({"type":"resize","priority":1})", "priority"},
      {R"({"type":"resize","attempts":0})", "attempts"},
      {R"({"type":"resize","attempts":"3"})", "attempts"},
      {R"({"type":"resize","attempts":1.5})", "attempts"},
      {R"({"type":"resize","backoff":"fast"})", "backoff"},
      {R"({"type":"resize","backoff":{"type":"linear"}})", "backoff.type"},
      {R"({"type":"resize","backoff":{"delay_ms":-1}})", "backoff.delay_ms"},
      {R"({"type":"resize","backoff":{"jitter":2}})", "backoff.jitter"},
      {R"({"type":"resize","backoff":{"speed":1}})", "backoff.speed"},
      {R"({"type":"resize","delay_ms":-5})", "delay_ms"},
      {R"({"type":"resize","delay_ms":99999999999999})", "delay_ms"},
      {R"({"type":"resize","queue":"elsewhere"})", "queue"},
      {R"({"type":"resize","job_id":""})", "job_id"},
      {R"({"type":"resize","job_id":"has space"})", "job_id"},
      {R"({"type":"resize","job_id":7})", "job_id"},
      {R"({"type":"resize","timeout_ms":-1})", "timeout_ms"},
  };
  for (const auto& [body, parameter] : cases) {
    RequestError error;
    EXPECT_FALSE(request(body, error)) << body;
    EXPECT_EQ(error.parameter, parameter) << body << " -> " << error.message;
    EXPECT_FALSE(error.message.empty());
  }
  RequestError error;
  EXPECT_FALSE(jobRecordFromRequest(json::array(), testConfig(), 0, error));
  EXPECT_EQ(error.parameter, "body");
  request(R"({"type":"nope"})", error);
  EXPECT_THAT(error.message, HasSubstr("known: resize, send_mail"));
}

// A handler's declared data schema (ABI 1.2) is enforced at enqueue, and a
// refusal names the member inside data, as the other members are named.
TEST(JobRequest, DataIsCheckedAgainstTheHandlersSchema) {
  std::string why;
  auto schema = JobDataSchema::parse(R"({"type":"object","required":["width"],
      "properties":{"width":{"type":"integer","minimum":1},"format":{"enum":["png","jpeg"]}}})", why);
  ASSERT_TRUE(schema) << why;
  JobsConfig config = testConfig();
  config.types.at("resize").dataSchema = std::make_shared<const JobDataSchema>(*schema);
  RequestError error;
  EXPECT_TRUE(jobRecordFromRequest(json::parse(R"({"type":"resize","data":{"width":640,"format":"png"}})"), config, 0, error))
      << error.parameter << ": " << error.message;
  for (const auto& [body, parameter] : std::vector<std::pair<const char*, const char*>>{
           {R"({"type":"resize","data":{"width":0}})", "data.width"},
           {R"({"type":"resize","data":{"width":"wide"}})", "data.width"},
           {R"({"type":"resize","data":{"width":9,"format":"gif"}})", "data.format"}}) {
    error = {};
    EXPECT_FALSE(jobRecordFromRequest(json::parse(body), config, 0, error)) << body;
    EXPECT_EQ(error.parameter, parameter) << body << " -> " << error.message;
  }
  error = {};
  EXPECT_FALSE(jobRecordFromRequest(json::parse(R"({"type":"resize"})"), config, 0, error));
  EXPECT_EQ(error.parameter, "data.width");
  EXPECT_THAT(error.message, HasSubstr("required"));
  // Other types are unconstrained.
  error = {};
  EXPECT_TRUE(jobRecordFromRequest(json::parse(R"({"type":"send_mail","data":[1,2]})"), config, 0, error));
}

TEST(JobDataSchema, RefusesWhatTheHostCouldNotEnforce) {
  std::string why;
  EXPECT_FALSE(JobDataSchema::parse("{not json", why));
  EXPECT_EQ(why, "not valid JSON");
  EXPECT_FALSE(JobDataSchema::parse("[1]", why));
  EXPECT_FALSE(JobDataSchema::parse(R"({"properties":{"a":{"oneOf":[{"type":"string"}]}}})", why));
  EXPECT_THAT(why, HasSubstr("\"oneOf\" at /properties/a"));
}

TEST(JobRequest, PublicViewNamesThePriorityAndDerivesTimings) {
  json record = {{"id", "j"},         {"priority", 1},           {"state", "completed"},   {"run_at_ms", 1000},
                 {"created_at_ms", 900}, {"started_at_ms", 1250}, {"finished_at_ms", 1750}, {"attempts_made", 1}};
  auto view = publicJobView(record);
  EXPECT_EQ(view["priority"], "high");
  EXPECT_EQ(view["wait_ms"], 250);
  EXPECT_EQ(view["run_ms"], 500);
  EXPECT_EQ(view["started_at"], "1970-01-01T00:00:01.250Z");
  EXPECT_TRUE(view["lease_expires_at"].is_null());
}

TEST(JobsConfig, CrossReferencesAreCheckedWithTheirPointers) {
  std::vector<std::string> errors;
  auto c = jobsConfigFrom(json::parse(R"({
    "store": {"type": "memory"}, "lease_ms": 1000, "heartbeat_ms": 800,
    "queues": [{"name": "a", "critical": true, "pause_above_load": 0.5},
               {"name": "b", "pause_above_load": 0.5, "resume_below_load": 0.7}, {"name": "b"}],
    "default_queue": "zzz",
    "handlers": [{"type": "t", "queue": "nowhere"}, {"type": "t"}],
    "events": [{"collection": "contents", "type": "unknown"}, {"collection": "c", "type": "t", "queue": "q"}]
  })"),
                          errors);
  EXPECT_FALSE(c);
  const std::string all = ::testing::PrintToString(errors);
  for (const char* pointer :
       {"/jobs/heartbeat_ms", "/jobs/queues/0/pause_above_load", "/jobs/queues/1/resume_below_load",
        "/jobs/queues/2/name", "/jobs/default_queue", "/jobs/handlers/0/queue", "/jobs/handlers/1/type",
        "/jobs/events/0/type", "/jobs/events/1/queue"}) {
    EXPECT_THAT(all, HasSubstr(pointer));
  }
}

TEST(JobsConfig, HeartbeatDefaultsToAThirdOfTheLease) {
  std::vector<std::string> errors;
  auto c = jobsConfigFrom(json::parse(R"({"store": {"type": "memory"}, "lease_ms": 9000})"), errors);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->heartbeatMs, 3000);
  EXPECT_EQ(c->queues.count("default"), 1u);  // a default queue when none is configured
}

TEST(RateWindow, CountsOnlyTheLastSeconds) {
  RateWindow w(60);
  const auto t0 = RateWindow::Clock::now();
  w.add(t0, 3);
  w.add(t0 + std::chrono::seconds(10), 2);
  EXPECT_EQ(w.count(t0 + std::chrono::seconds(10), 60), 5u);
  EXPECT_EQ(w.count(t0 + std::chrono::seconds(10), 5), 2u);
  EXPECT_EQ(w.count(t0 + std::chrono::seconds(65), 60), 2u);
  EXPECT_EQ(w.count(t0 + std::chrono::seconds(500), 60), 0u);
}

}  // namespace
}  // namespace wno::host::jobs
