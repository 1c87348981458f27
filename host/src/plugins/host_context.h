// The definition behind the ABI's opaque wno_host_ctx: who is calling the
// host (a plugin or one component instance) and which services it reaches.
#pragma once

#include <wno/common.h>

#include <string>

namespace wno::host {
class HostServices;
}

struct wno_host_ctx {
  std::string owner;                        // "plugin memory_cache", "cache l1", ...
  wno::host::HostServices* services = nullptr;  // never null once handed to a plugin
};

namespace wno::host {

// Messages a hook leaves through wno_host_api.set_error. Per thread, because
// a hook reports on the thread it runs on and many hooks run at once.
void clearPluginError();
void setPluginError(std::string message);
// The message of the last failed hook on this thread, or `fallback`.
std::string takePluginError(const std::string& fallback);

}  // namespace wno::host
