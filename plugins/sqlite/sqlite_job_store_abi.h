// The sqlite plugin's job store component as the C ABI sees it.
#pragma once

#include <wno/job_store.h>

namespace wno::sqlite {

// The static vtable of the `sqlite` job store (valid while the plugin is loaded).
const wno_type_job_store& jobStoreVtable();

}  // namespace wno::sqlite
