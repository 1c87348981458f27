// What this host process uses right now, for the "resources" part of
// /health: resident memory, threads, open file descriptors against their
// limit, CPU time, cores. Read from /proc/self and getrusage on each call
// (a few microseconds); fields that cannot be read are null.
// THREADS: safe to call from any thread.
#pragma once

#include <nlohmann/json.hpp>

namespace wno::host {

nlohmann::json processResources();

}  // namespace wno::host
