// The list-query parser (data/list_query.h) on arbitrary query strings, as
// GET /api/v1/{collection}?<input> reaches it: decoded by Poco::URI the way
// RequestContext decodes it, then parsed against every configured
// collection. What the route does with a parsed query is done here too: the
// cache key and repository QUERY are serialized, and a cursor issued for the
// query must decode again for the same query.
#include "data/cursor.h"
#include "data/list_query.h"
#include "fuzz_support.h"

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include <cstddef>
#include <cstdint>

using namespace wno::host::data;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& s = wno::fuzz::subjects();
  std::vector<std::pair<std::string, std::string>> params;
  try {
    Poco::URI uri("/api/v1/fuzz?" + std::string(reinterpret_cast<const char*>(data), size));
    for (auto& [key, value] : uri.getQueryParameters()) params.emplace_back(key, value);
  } catch (const Poco::Exception&) {
    return 0;  // the host answers 404 for a target it cannot decode
  }
  static const CursorCodec codec("fuzz-cursor-secret");
  for (const auto& [name, collection] : s.collections) {
    ListQuery query;
    QueryError error;
    if (!parseListQuery(collection, params, query, error)) {
      wno::fuzz::require(!error.message.empty(), "a refused query says why");
      continue;
    }
    wno::fuzz::require(query.limit >= 1 && query.limit <= collection.maxPageSize, "limit within the page size");
    wno::fuzz::require(!query.sort.empty() && query.sort.back().field == "id", "sort ends with id");
    for (const auto& f : query.filters) {
      wno::fuzz::require(collection.filterable.count(f.field) == 1, "filters only on filterable fields");
    }
    // The route builds its cache key from both signatures and sends the
    // QUERY to the repository as JSON text.
    const std::string sort = query.sortSignature();
    const std::string filters = query.filterSignature();
    nlohmann::json after = nlohmann::json::array();
    for (size_t i = 0; i < query.sort.size(); ++i) after.push_back(static_cast<int64_t>(i));
    (void)query.toRepositoryQuery(after, query.limit + 1).dump();
    const std::string cursor = codec.encode(collection.name, sort, filters, after);
    auto decoded = codec.decode(cursor, collection.name, sort, filters);
    wno::fuzz::require(decoded.isOk() && decoded.value() == after, "a cursor decodes for the query it was issued for");
  }
  return 0;
}
