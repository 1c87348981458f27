// The jobs HTTP API of PRODUCT.md: enqueue (201 new, 200 for an existing
// job_id), get, list with filters and keyset cursors, cancel, retry, and
// per-queue state. Errors are problem+json naming the parameter.
#pragma once

#include "data/cursor.h"
#include "http/router.h"
#include "jobs/job_service.h"

namespace wno::host::jobs {

void addJobRoutes(http::Router& router, JobService& jobs, const data::CursorCodec& cursors);

}  // namespace wno::host::jobs
