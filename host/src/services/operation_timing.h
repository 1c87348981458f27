// The histogram of data-operation durations, one family for two writers:
// the repository service times every repository call in it, and plugins
// time their own operations in it through WNO_HOST_RECORD_TIMING_V1
// (wno/timing.h), so one query shows where the time of a request went.
// Labels: collection, op, cached ("true" when a cache answered; the
// repository service's calls always reach the repository).
#pragma once

#include "metrics/metrics.h"

#include <cstdint>
#include <string>

namespace wno::host {

inline constexpr const char* kOperationDurationName = "wno_repository_query_duration_seconds";
inline constexpr const char* kOperationDurationHelp =
    "Data operation duration: repository calls by collection and operation, and the operations plugins time "
    "themselves (cached=\"true\" when a cache answered)";

prometheus::Family<prometheus::Histogram>& operationDurations(Metrics& metrics);

// A plugin's timing of one of its operations. `owner` names the calling
// component (the collection label when `collection` is empty, spaces made
// colons). Names outside 1-64 characters of [A-Za-z0-9_.:-] and negative
// durations are refused: false, with `error` set.
bool recordPluginTiming(Metrics& metrics, const std::string& owner, std::string collection,
                        const std::string& operation, int64_t durationNs, bool cached, std::string& error);

}  // namespace wno::host
