// WNO_HOST_RECORD_TIMING_V1 through the real host API table: a plugin's
// timing lands in the repository duration family beside the host's own
// series, with the cached label; bad names and durations are refused with
// one log line, and nothing else.
#include "prometheus_text.h"
#include "services/host_api.h"
#include "services/host_services.h"
#include "services/operation_timing.h"
#include "plugins/host_context.h"

#include <wno/timing.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace wno::host {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using wno::test::checkPrometheusText;

wno_str str(const std::string& s) { return wno_str{s.data(), s.size()}; }

class OperationTimingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ctx.owner = "handler leaderboard";
    ctx.services = &services;
    const wno_host_api* api = hostApiTable();
    record = reinterpret_cast<wno_host_record_timing_fn>(api->lookup(str(WNO_HOST_RECORD_TIMING_V1)));
    ASSERT_NE(record, nullptr);
  }
  void time(const std::string& collection, const std::string& operation, int64_t ns, bool cached) {
    record(&ctx, str(collection), str(operation), ns, cached ? 1 : 0);
  }

  HostServices services;
  wno_host_ctx ctx;
  wno_host_record_timing_fn record = nullptr;
};

TEST_F(OperationTimingTest, APluginsTimingSharesTheRepositoryFamilyWithItsCachedFlag) {
  // The host's own repository series, registered first as at start.
  operationDurations(services.metrics()).Add({{"cached", "false"}, {"collection", "battles"}, {"op", "list"}},
                                             Metrics::latencyBuckets());
  time("battles", "leaderboard", 3'000'000, false);
  time("battles", "leaderboard", 1'000'000, false);
  time("battles", "leaderboard", 50'000, true);
  const std::string text = services.metrics().serialize();
  EXPECT_EQ(checkPrometheusText(text), "");
  EXPECT_THAT(text, HasSubstr(
      "wno_repository_query_duration_seconds_count{cached=\"false\",collection=\"battles\",op=\"leaderboard\"} 2"));
  // Cumulative buckets: 1 ms is within 2.5 ms, 3 ms is not.
  EXPECT_THAT(text, HasSubstr(
      "wno_repository_query_duration_seconds_bucket{cached=\"false\",collection=\"battles\",op=\"leaderboard\",le=\"0.0025\"} 1"));
  EXPECT_THAT(text, HasSubstr(
      "wno_repository_query_duration_seconds_count{cached=\"true\",collection=\"battles\",op=\"leaderboard\"} 1"));
  EXPECT_THAT(text, HasSubstr("wno_repository_query_duration_seconds_count{cached=\"false\",collection=\"battles\",op=\"list\"} 0"));
  // One family: one HELP and one TYPE line.
  size_t types = 0;
  for (size_t at = 0; (at = text.find("# TYPE wno_repository_query_duration_seconds ", at)) != std::string::npos; ++at) ++types;
  EXPECT_EQ(types, 1u);
}

TEST_F(OperationTimingTest, AnEmptyCollectionIsTheCallingComponent) {
  time("", "refresh", 1000, false);
  EXPECT_THAT(services.metrics().serialize(),
              HasSubstr("{cached=\"false\",collection=\"handler:leaderboard\",op=\"refresh\"} 1"));
}

TEST_F(OperationTimingTest, BadNamesAndDurationsAreRefusedAndRecordNothing) {
  std::string error;
  EXPECT_FALSE(recordPluginTiming(services.metrics(), "p", "battles", "", 1, false, error));
  EXPECT_THAT(error, HasSubstr("must be 1-64 characters"));
  EXPECT_FALSE(recordPluginTiming(services.metrics(), "p", "battles", "user 42", 1, false, error));
  EXPECT_THAT(error, HasSubstr("\"user 42\""));
  EXPECT_FALSE(recordPluginTiming(services.metrics(), "p", std::string(65, 'c'), "op", 1, false, error));
  EXPECT_FALSE(recordPluginTiming(services.metrics(), "p", "battles", "op", -5, false, error));
  EXPECT_THAT(error, HasSubstr("negative duration"));
  // Through the table a refusal is a no-op for the plugin (and one log line).
  time("battles", "bad\"label", 1000, false);
  time("battles", "bad\"label", 1000, false);
  const std::string text = services.metrics().serialize();
  EXPECT_EQ(checkPrometheusText(text), "");
  EXPECT_THAT(text, Not(HasSubstr("op=\"op\"")));
  EXPECT_THAT(text, Not(HasSubstr("bad")));
}

}  // namespace
}  // namespace wno::host
