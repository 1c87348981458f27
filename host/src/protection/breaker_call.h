// One call through a circuit breaker, the way the repository and job-store
// circuits make it: refused at once while the circuit is open, and its
// outcome reported against the permit that admitted it.
#pragma once

#include "core/status.h"
#include "protection/circuit_breaker.h"

#include <wno/common.h>

#include <algorithm>
#include <cstdint>

namespace wno::host {

// Which outcomes say the dependency behind the circuit is failing. Only
// these count against it: any other answer, an error included (a conflict,
// a missing row, a refused input), proves the dependency alive.
inline bool isDependencyFailure(wno_status code) {
  return code == WNO_ERR_UNAVAILABLE || code == WNO_ERR_TIMEOUT || code == WNO_ERR_RESOURCE_EXHAUSTED;
}

// The answer to a call the circuit refused: UNAVAILABLE, with the circuit's
// next trial (at least a second away) as the retry hint.
inline Status circuitOpenStatus(CircuitBreaker& breaker) {
  const int64_t retryMs = std::max<int64_t>(1000, breaker.retryIn().count());
  return Status(WNO_ERR_UNAVAILABLE, "circuit " + breaker.name() + " is open after repeated failures; failing fast")
      .withRetryAfterMs(retryMs);
}

// Reports how an admitted call ended.
inline void reportOutcome(CircuitBreaker& breaker, const BreakerPermit& permit, wno_status code) {
  isDependencyFailure(code) ? breaker.onFailure(permit) : breaker.onSuccess(permit);
}

}  // namespace wno::host
