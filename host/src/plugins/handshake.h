// The version handshake and manifest checks, separate from dlopen so they
// can be tested on hand-made manifests. Every failure is a Refusal: what an
// operator reads, naming the reason and the fix.
#pragma once

#include "core/status.h"
#include "plugins/component_type.h"

#include <wno/plugin.h>

#include <string>
#include <vector>

namespace wno::host {

struct Refusal {
  std::string reason;  // one sentence: what is wrong
  std::string fix;     // one sentence: what the operator or author should do
};

struct AcceptedManifest {
  std::string name;
  std::string version;
  std::string description;
  uint32_t abiMinor = 0;
  std::vector<ComponentType> components;  // plugin pointer not yet set
};

// Checks the plugin's stated ABI against the host's, then the manifest's shape
// and every component's vtable (required hooks present).
Result<AcceptedManifest> acceptManifest(const wno_plugin* manifest, uint32_t hostMajor, uint32_t hostMinor,
                                        Refusal& refusal);

}  // namespace wno::host
