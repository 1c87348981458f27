// A claimed job as the worker needs it, read from the JOB RECORD a store
// wrote (job_store.h) with a validating scan instead of a document: a
// drain reads one record per job, and building and freeing a DOM for each
// was the largest share of the host's time per job. `data` is kept as the
// JSON text the store wrote, which is what the handler gets.
// THREADS: pure functions.
#pragma once

#include "jobs/backoff.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wno::host::jobs {

struct ClaimedJob {
  std::string id;
  std::string type;
  std::string queue;
  int priority = 2;
  int64_t runAtMs = 0;
  std::optional<int64_t> claimedAtMs;  // the claim's time (the record's started_at_ms), when written
  int64_t timeoutMs = 0;               // 0: no timeout
  uint32_t attemptsMade = 1;           // this attempt included
  uint32_t maxAttempts = 1;
  std::string dataJson = "null";
  Backoff backoff;
};

// nullopt with `error` set when `record` is not a JSON object, or a member
// the worker relies on has the wrong type. Missing members keep the
// defaults above (as a record without them always meant); `id` is required.
std::optional<ClaimedJob> readClaimedJob(std::string_view record, std::string& error);

}  // namespace wno::host::jobs
