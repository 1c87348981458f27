// The answer to a request whose dependency (a repository, the job store)
// is failing: 503 with a Retry-After of the status's own hint (an open
// circuit's next trial) rounded up to whole seconds, at least 1.
#pragma once

#include "core/status.h"
#include "http/request_context.h"

#include <algorithm>
#include <cstdint>
#include <string>

namespace wno::host::http {

inline void sendUnavailable(RequestContext& ctx, const Status& status, const std::string& detail) {
  ctx.response().set("Retry-After", std::to_string(std::max<int64_t>(1, (status.retryAfterMs() + 999) / 1000)));
  ctx.sendProblem(503, "Service Unavailable", detail);
}

}  // namespace wno::host::http
