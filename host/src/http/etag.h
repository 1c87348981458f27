// Conditional GETs: does an If-None-Match header match a response's ETag?
#pragma once

#include <string_view>

namespace wno::host {

// `header`: "*" or a comma-separated list of ETags; compared weakly (a W/
// prefix is ignored), as RFC 9110 has it for GET and HEAD.
bool ifNoneMatchHits(std::string_view header, std::string_view etag);

}  // namespace wno::host
