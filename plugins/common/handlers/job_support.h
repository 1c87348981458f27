// Small pieces every shipped job handler needs: strict parsing of job data
// and component config (errors name the offending key), the host's stored
// timestamp format, cancellation checks, and keyset-paged repository scans
// through the SDK.
// THREADS: free functions without state; safe from any worker thread.
#pragma once

#include <wno/sdk/config.hpp>
#include <wno/sdk/sdk.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>

namespace wno::handlers {

using json = nlohmann::json;

// The job's data as a JSON object; throws invalid("job data ...") otherwise.
json parseJobData(std::string_view dataJson);
// A component's config as a JSON object ("" and null mean {}); every key
// must be one of `known`, else invalid naming the key and the known ones.
json parseConfig(std::string_view configJson, std::initializer_list<const char*> known);

// data[key] as a positive int64: an integer, or a string of decimal digits
// (JavaScript clients send big ids as strings). Throws invalid naming key.
int64_t requireId(const json& data, const char* key);
// data[key] as a non-empty string when present; "" when absent or null.
std::string optionalString(const json& data, const char* key, size_t maxLength = 1024);

// config[key] as an integer in [min, max], or `fallback` when absent.
int64_t configInt(const json& config, const char* key, int64_t fallback, int64_t min, int64_t max);

// "2026-11-25T02:55:49.918000Z": the width the host stores (microseconds),
// so text comparison of stored timestamps orders correctly.
std::string utcTimestamp(int64_t unixMs);

// The time a slow call of this job may take: `configured`, cut to what is
// left before the job's deadline (if it has one). Throws
// Error(WNO_ERR_TIMEOUT) when the deadline has already passed.
std::chrono::milliseconds callBudget(const sdk::Host& host, const sdk::Job& job, std::chrono::milliseconds configured);

// Throws Error(WNO_ERR_CANCELLED) when the host wants the job stopped
// (cancelled, timed out, lease lost, shutting down).
void stopIfAsked(const sdk::Host& host, const sdk::Job& job);

// One row as JSON; a row the host wrote that is not an object is a host bug.
json parseRow(const std::string& text, std::string_view collection);

struct Scan {
  std::string collection;
  json filters = json::array();  // QUERY filters
  json fields = json::array();   // empty: every field
  bool newestFirst = false;      // id descending
  int64_t pageSize = 100;
};

// Visits every matching row in id order, one repo_query per page, calling
// `between` (e.g. stopIfAsked) before each page. visit returns false to stop.
void forEachRow(const sdk::Host& host, const Scan& scan, const std::function<bool(const json& row)>& visit,
                const std::function<void()>& between = {});

}  // namespace wno::handlers
