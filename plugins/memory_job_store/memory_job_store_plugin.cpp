// The `memory` job store: MemoryJobStore behind jobs::StoreComponent, the
// SDK component every shipped store uses (errors reported one way: thrown).
// Config: {} (nothing to set).
#include "memory_job_store.h"

#include "jobs/store_component.h"

#include <wno/sdk/config.hpp>
#include <wno/sdk/sdk.hpp>

#include <memory>

namespace {

using wno::memory_job_store::MemoryJobStore;

class MemoryJobStoreComponent : public wno::jobs::StoreComponent<MemoryJobStore> {
 public:
  MemoryJobStoreComponent(wno::sdk::Host host, std::string_view configJson)
      : StoreComponent(std::make_unique<MemoryJobStore>([host] { return host.nowMs(); })) {
    const wno::sdk::ComponentConfig noSettings(configJson, {});  // refuses any key
  }
};

}  // namespace

WNO_PLUGIN("memory_job_store", "0.1.0", "In-process job store (not durable; for tests and single hosts)",
           WNO_JOB_STORE("memory", MemoryJobStoreComponent, "In-process job store (not durable)"));
