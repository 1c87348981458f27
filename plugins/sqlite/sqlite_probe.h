// The sqlite plugin's `sqlite` health probe as the C ABI sees it: is the
// database file there and usable, does a quick query answer within the
// probe's timeout, and how big are the WAL and the free list.
// Config: {"path":"./data/wno.db","degraded_wal_bytes":67108864,"degraded_latency_ms":100}
#pragma once

#include <wno/health_probe.h>

namespace wno::sqlite {

// The static vtable of the `sqlite` probe (valid while the plugin is loaded).
const wno_type_health_probe& probeVtable();

}  // namespace wno::sqlite
