// "Did you mean" for unknown keys: the known key closest to a typo, when it
// is close enough to be a plausible typo rather than a different word.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace wno::config {

// Optimal string alignment distance: insertions, deletions, substitutions
// and swaps of neighbours ("prot" -> "port") each cost 1.
size_t editDistance(const std::string& a, const std::string& b);

std::optional<std::string> closestKey(const std::string& unknown, const std::vector<std::string>& known);

}  // namespace wno::config
