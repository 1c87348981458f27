// The host's names for the shared time helpers (common/utc_time.h,
// common/clock.h). New code includes those directly; jobs/ still reaches them
// through here.
#pragma once

#include "common/clock.h"
#include "common/utc_time.h"

namespace wno::host {

using common::unixNowMs;
using common::utcFromMs;
using common::utcNow;

}  // namespace wno::host
