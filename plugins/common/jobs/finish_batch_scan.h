// A fast path for on_finish_many's array when it is written the way a host
// writes it (compact_json_scanner.h): in a drain of no-op jobs the generic
// parser's document was a tenth of the host's time. Results must be
// written as a parsed document writes them out (compact, each object's
// keys in ascending order), so the stored text is the same either way.
// Anything else, and any item the checks would refuse, makes it give up
// (nullopt): the batch is then read by the generic path (parseFinishMany),
// which names what was wrong. THREADS: a pure function.
#pragma once

#include "jobs/job_batch.h"

#include <optional>
#include <string_view>
#include <vector>

namespace wno::jobs {

std::optional<std::vector<FinishItem>> scanCompactFinishes(std::string_view text, size_t count);

}  // namespace wno::jobs
