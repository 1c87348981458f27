// wno SDK — ready-made wno_sink values for the two ways callers read what a
// hook or host service writes: keep the one item (a row, a stats document, a
// job result) or collect every item in order (rows of a query, job records).
// OWNERSHIP: the sink points at `into`, which must outlive every write
// through it; the bytes are copied during each write. Make one per call:
// calls nest (a compute callback may call the host).
#pragma once

#include <wno/common.h>

#include <string>
#include <vector>

namespace wno::sdk {

// Each write replaces `into`: it ends up holding the last item written.
inline wno_sink sinkInto(std::string& into) {
  return wno_sink{&into, [](void* ctx, const char* data, size_t len) -> wno_status {
                    static_cast<std::string*>(ctx)->assign(data, len);
                    return WNO_OK;
                  }};
}

// Each write appends one item to `into`.
inline wno_sink sinkAppending(std::vector<std::string>& into) {
  return wno_sink{&into, [](void* ctx, const char* data, size_t len) -> wno_status {
                    static_cast<std::vector<std::string>*>(ctx)->emplace_back(data, len);
                    return WNO_OK;
                  }};
}

}  // namespace wno::sdk
