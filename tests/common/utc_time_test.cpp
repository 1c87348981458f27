#include "common/utc_time.h"

#include <gtest/gtest.h>

#include <regex>

namespace wno::common {
namespace {

TEST(UtcTime, MillisecondsAsThreeOrSixFractionDigits) {
  EXPECT_EQ(utcFromMs(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(utcFromMs(1764039349918), "2025-11-25T02:55:49.918Z");
  // Six digits is the width stored rows use: milliseconds padded with zeros.
  EXPECT_EQ(utcFromMs(1764039349918, 6), "2025-11-25T02:55:49.918000Z");
}

TEST(UtcTime, TimesBefore1970KeepAPositiveFraction) {
  EXPECT_EQ(utcFromMs(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(utcFromMs(-1000), "1969-12-31T23:59:59.000Z");
  EXPECT_EQ(utcFromMs(-1, 6), "1969-12-31T23:59:59.999000Z");
}

TEST(UtcTime, NowHasTheRequestedWidth) {
  EXPECT_TRUE(std::regex_match(utcNow(3), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
  EXPECT_TRUE(std::regex_match(utcNow(6), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)")));
}

}  // namespace
}  // namespace wno::common
