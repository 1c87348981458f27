#include "core/status.h"

namespace wno::host {

const char* statusName(wno_status code) {
  switch (code) {
    case WNO_OK: return "ok";
    case WNO_NOT_FOUND: return "not_found";
    case WNO_ERR_INVALID: return "invalid";
    case WNO_ERR_CONFLICT: return "conflict";
    case WNO_ERR_UNAVAILABLE: return "unavailable";
    case WNO_ERR_TIMEOUT: return "timeout";
    case WNO_ERR_UNSUPPORTED: return "unsupported";
    case WNO_ERR_RESOURCE_EXHAUSTED: return "resource_exhausted";
    case WNO_ERR_CANCELLED: return "cancelled";
    case WNO_ERR_INTERNAL: return "internal";
    case WNO_ERR_PRECONDITION: return "precondition";
    default: return "unknown";
  }
}

}  // namespace wno::host
