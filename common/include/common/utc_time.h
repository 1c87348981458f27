// RFC 3339 UTC timestamps ("2026-11-25T02:55:49.918Z"), as logs, job records
// and stored rows carry them. Stored rows use six fraction digits so that
// text order is time order across every writer.
// THREADS: pure functions.
#pragma once

#include <cstdint>
#include <string>

namespace wno::common {

// The wall clock now, with 3 (milliseconds) or 6 (microseconds) fraction digits.
std::string utcNow(int fractionDigits);
// A Unix time in milliseconds, with 3 or 6 fraction digits (6 pads with zeros).
std::string utcFromMs(int64_t unixMs, int fractionDigits = 3);

}  // namespace wno::common
