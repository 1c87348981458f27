// Row validation (data/collection.h) on arbitrary request bodies, as POST
// /api/v1/{collection}, POST .../bulk and PATCH .../{id} reach it: the body
// parsed by parseJsonBody as RequestContext::readJsonBody does, then validated
// against every configured collection. An accepted row is serialized as the
// repository receives it.
#include "fuzz_support.h"

#include <cstddef>
#include <cstdint>

using namespace wno::host::data;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& s = wno::fuzz::subjects();
  const auto parsed = wno::fuzz::requestBody(data, size);
  if (!parsed) return 0;  // 400 malformed JSON body
  const nlohmann::json& body = *parsed;
  for (const auto& [name, c] : s.collections) {
    std::string parameter;
    if (body.is_array()) {
      for (const auto& item : body) {
        auto row = validateCreate(c, item, parameter);
        if (!row.isOk()) break;
        wno::fuzz::checkRow(c, row.value(), true);
      }
      continue;
    }
    auto created = validateCreate(c, body, parameter);
    if (created.isOk()) wno::fuzz::checkRow(c, created.value(), true);
    else wno::fuzz::require(!created.status().message().empty(), "a refused body says why");
    auto patched = validatePatch(c, body, parameter);
    if (patched.isOk()) wno::fuzz::checkRow(c, patched.value(), false);
    else wno::fuzz::require(!patched.status().message().empty(), "a refused patch says why");
  }
  return 0;
}
