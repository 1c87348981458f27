// Which outcomes of a call through a circuit breaker say the dependency
// behind it is failing. Only these count against the circuit: any other
// answer, an error included (a conflict, a missing row, a refused input),
// proves the dependency alive and counts as a success.
#pragma once

#include <wno/common.h>

namespace wno::host {

inline bool isDependencyFailure(wno_status code) {
  return code == WNO_ERR_UNAVAILABLE || code == WNO_ERR_TIMEOUT || code == WNO_ERR_RESOURCE_EXHAUSTED;
}

}  // namespace wno::host
