// A fast path for on_enqueue_many's array when it is written the way a host
// writes it: compact (no whitespace), strings of printable ASCII without
// escapes, integers only, no duplicate keys. Such text reads the same
// through any JSON parser, and a hand-written scanner reads it several
// times faster than the generic one (EnqueueBatchReader), whose lexer was
// most of a bulk enqueue's cost in the store.
// Anything else, and any record the checks would refuse, makes it give up
// (nullopt): the batch is then read by EnqueueBatchReader, so what is
// accepted, how data is written out and every refusal stay exactly those
// of the generic path. THREADS: a pure function.
#pragma once

#include "jobs/job_record.h"

#include <optional>
#include <string_view>
#include <vector>

namespace wno::jobs {

std::optional<std::vector<JobRecord>> scanCompactBatch(std::string_view text, size_t count);

}  // namespace wno::jobs
