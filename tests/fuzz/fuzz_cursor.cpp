// The cursor decoder (data/cursor.h). The first byte picks how the rest is
// used:
//   even  the rest is a cursor as a client sends it (?cursor=<rest>): it
//         must be refused with a Status, never throw, unless it is genuine;
//   odd   the rest is a payload signed with the deployment's secret, as an
//         older or newer host of the same deployment may have issued it:
//         the decoder must still answer with a value or a Status.
// Whatever decodes must be the array of sort-key values a page resumes from.
#include "data/cursor.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

namespace {

constexpr const char* kSecret = "fuzz-cursor-secret";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const wno::host::data::CursorCodec codec(kSecret);
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string cursor = (data[0] & 1) ? codec.frame(rest) : rest;
  // The signatures of GET /api/v1/users?status=active&sort=-created_at.
  auto decoded = codec.decode(cursor, "users", "-created_at,-id,", R"([["status","eq","active"]])");
  if (decoded.isOk() && !decoded.value().is_array()) {
    std::fprintf(stderr, "decoded cursor is not an array\n");
    __builtin_trap();
  }
  if (!decoded.isOk() && decoded.status().message().empty()) {
    std::fprintf(stderr, "refusal without a message\n");
    __builtin_trap();
  }
  return 0;
}
