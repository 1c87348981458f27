#include "core/utc_time.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace wno::host {

std::string utcNow(int fractionDigits) {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto micros = duration_cast<microseconds>(now.time_since_epoch()).count() % 1000000;
  const std::time_t t = system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buffer[64];
  const int fraction = fractionDigits == 3 ? static_cast<int>(micros / 1000) : static_cast<int>(micros);
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%0*dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, fractionDigits == 3 ? 3 : 6, fraction);
  return buffer;
}

}  // namespace wno::host
