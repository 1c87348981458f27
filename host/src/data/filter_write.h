// The rules a write by filter obeys, at both of its doors: PATCH / DELETE
// /api/v1/{c}?<filters>&limit=N from clients, and repo_update_where /
// repo_delete_where from plugins. At least one filter and an explicit
// limit no larger than the collection's max_page_size, so no request
// changes a whole table by accident and no transaction grows without
// bound; no cursor (the write takes the first `limit` rows in sort order).
#pragma once

#include "core/status.h"
#include "data/collection.h"
#include "data/list_query.h"

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace wno::host::data {

// Parses a write-by-filter request's query string: the list grammar
// (filters, or=/and= groups, not., sort, and fields for the rows a
// `Prefer: return=representation` answer carries) plus the rules above.
// On failure returns false and fills `error` (its parameter is "filter"
// when no filter was given).
bool parseFilterWrite(const Collection& c, const std::vector<std::pair<std::string, std::string>>& params,
                      ListQuery& out, QueryError& error);

// Checks a plugin's QUERY (repository.h) for a write by filter: an object
// of "filters" (a non-empty array), "limit" (1 to max_page_size) and
// optionally "sort" (an array); nothing else. Answers it with "id"
// appended to the sort as the list does (so "the first `limit` rows" is
// one set), or WNO_ERR_INVALID naming the member at fault.
Result<nlohmann::json> filterWriteQuery(const Collection& c, const nlohmann::json& query);

}  // namespace wno::host::data
