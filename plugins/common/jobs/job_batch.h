// The batch hooks of job_store.h 1.1 (on_enqueue_many, on_finish_many) as
// C++ values shared by the memory, sqlite and postgres stores: parsing the
// arrays they receive (errors name the index) and applying one finish item
// through the state machine of job_transitions.h. THREADS: pure functions.
#pragma once

#include "jobs/job_record.h"
#include "jobs/job_transitions.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wno::jobs {

// A batch's array as a whole, in this order of precedence: valid JSON, an
// array, `count` elements. Throws InvalidInput ("jobs: count is 3 but ...").
void requireBatchArray(const char* what, bool validJson, bool isArray, size_t count, size_t elements);

// on_enqueue_many's array of `count` records. Throws InvalidInput
// ("jobs[3]: priority: ...") naming the first bad one.
std::vector<JobRecord> parseEnqueueMany(std::string_view jobsJson, size_t count);

// One element of on_finish_many's array.
struct FinishItem {
  enum class Kind { Complete, Fail, Release };
  Kind kind = Kind::Complete;
  std::string id;
  int64_t nowMs = 0;
  std::optional<std::string> resultJson;  // Complete: compact JSON, nullopt for none
  std::string error;                      // Fail, Release
  int64_t retryAtMs = -1;                 // Fail
};

// Throws InvalidInput ("items[2].outcome: ...") naming the first bad item.
// The compact form hosts write goes through finish_batch_scan.h; anything
// else, or anything it gives up on, through parseFinishManyDocument.
std::vector<FinishItem> parseFinishMany(std::string_view itemsJson, size_t count);
std::vector<FinishItem> parseFinishManyDocument(std::string_view itemsJson, size_t count);

// The single hook's transition for the item (complete, fail or release).
Outcome applyFinish(JobRecord& job, std::string_view worker, const FinishItem& item);

// {"index":i,"message":"..."} for refusal_out.
std::string refusalJson(size_t index, std::string_view message);

}  // namespace wno::jobs
