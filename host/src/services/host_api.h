// The wno_host_api table handed to every plugin: C functions that forward to
// the HostServices behind the caller's wno_host_ctx. Nothing here throws
// across the boundary; failures come back as statuses with set_error text.
#pragma once

#include <wno/host.h>

namespace wno::host {

// The process-wide table (static storage, outlives every plugin).
const wno_host_api* hostApiTable();

}  // namespace wno::host
