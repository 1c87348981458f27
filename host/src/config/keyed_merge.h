// Applying one config overlay: RFC 7396 JSON Merge Patch, except that the
// lists the schema marks with "x-merge-key" merge entry by entry, so an
// overlay can add or change one plugin, probe, queue, handler or repository
// without restating the list (docs/config.md, "Overlays").
//   - an overlay entry whose key (e.g. "name") matches a base entry is merged
//     into it (as a merge patch); one with a new key, or none, is appended;
//   - {"name": "x", "$remove": true} deletes entry x;
//   - where the schema says "x-replace-when-changed": "type", an object (a
//     list entry, /jobs/store) naming another type replaces the earlier one
//     whole, so a sqlite repository's config never leaks into a postgres one.
// Thread-safe: pure function of its arguments.
#pragma once

#include "config/config_error.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace wno::config {

// Merges `overlay` (read from `source`, for messages) into `target`, guided
// by the schema `schemaRoot`. Problems (a $remove naming no entry) are
// appended to `errors` at the overlay's pointer.
void applyOverlay(nlohmann::json& target, const nlohmann::json& overlay, const nlohmann::json& schemaRoot,
                  const std::string& source, std::vector<ConfigError>& errors);

}  // namespace wno::config
