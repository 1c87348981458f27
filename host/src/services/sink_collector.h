// Collects what a plugin writes to a wno_sink: one string per write, in
// order (rows, job records, a stats document). OWNERSHIP: the bytes are
// copied during the write, so the plugin's buffer may go right after.
#pragma once

#include <wno/sdk/sinks.hpp>

#include <string>
#include <vector>

namespace wno::host {

struct SinkCollector {
  std::vector<std::string> items;
  // Valid while this collector lives; hand it to exactly one hook call.
  wno_sink sink() { return sdk::sinkAppending(items); }
};

}  // namespace wno::host
