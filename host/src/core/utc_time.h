// RFC 3339 UTC timestamps of the wall clock, for logs and stored rows.
#pragma once

#include <cstdint>
#include <string>

namespace wno::host {

// "2026-11-25T02:55:49.918Z" (fractionDigits 3) or "...49.918865Z" (6).
std::string utcNow(int fractionDigits);
// The same format (milliseconds) for a Unix time in milliseconds.
std::string utcFromMs(int64_t unixMs);
// Wall clock as Unix milliseconds.
int64_t unixNowMs();

}  // namespace wno::host
