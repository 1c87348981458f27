#include "common/utc_time.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace wno::common {
namespace {

// Floor division, so times before 1970 keep a positive fraction.
std::string format(int64_t unixMicros, int fractionDigits) {
  int64_t seconds = unixMicros / 1000000;
  int64_t micros = unixMicros % 1000000;
  if (micros < 0) {
    micros += 1000000;
    seconds -= 1;
  }
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm utc{};
  gmtime_r(&t, &utc);
  const bool millis = fractionDigits == 3;
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%0*dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, millis ? 3 : 6,
                static_cast<int>(millis ? micros / 1000 : micros));
  return buffer;
}

}  // namespace

std::string utcNow(int fractionDigits) {
  using namespace std::chrono;
  return format(duration_cast<microseconds>(system_clock::now().time_since_epoch()).count(), fractionDigits);
}

std::string utcFromMs(int64_t unixMs, int fractionDigits) { return format(unixMs * 1000, fractionDigits); }

}  // namespace wno::common
