// The collection REST API of PRODUCT.md on top of RepositoryService:
// list with keyset cursors, get with ETag/304 through the cache, create,
// bulk create, PATCH with If-Match, delete, PATCH and DELETE by filter
// (a limit required), and the user stats endpoint.
#pragma once

#include "data/cursor.h"
#include "data/repository_service.h"
#include "data/user_stats.h"
#include "http/router.h"

namespace wno::host::data {

struct DataRouteOptions {
  size_t maxBulkRows = 10000;
  size_t streamAboveRows = 50;  // larger pages go out with chunked encoding
  std::vector<StatCount> userStats;  // what GET /users/{id}/stats counts (/data/user_stats/counts)
};

// Reads and cache invalidation go through repositories.entities().
void addDataRoutes(http::Router& router, RepositoryService& repositories, const CursorCodec& cursors,
                   DataRouteOptions options);
// The version an If-Match value names ("v3", W/"v3", 3); -1 for "*"; nullopt if none.
std::optional<int64_t> versionFromIfMatch(const std::string& header);

}  // namespace wno::host::data
