// The relations GET /api/v1/users/{id}/stats counts, declared once in
// /data/user_stats/counts: each names a key of the answer, a collection and
// the int64 field that holds a user's id there. The stats route counts them
// and so does the compute_user_stats job handler, which gets this same list
// from the host (wno/user_stats.h), so the two never drift apart.
#pragma once

#include "data/collection.h"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace wno::host::data {

struct StatCount {
  std::string name;        // the answer's key: "battles_created"
  std::string collection;  // "battles"
  std::string field;       // "creator_id"
};

// The relations of `counts` (/data/user_stats/counts) that this config can
// count. One naming a collection or field `collections` lacks is an error
// ("/data/user_stats/counts/<i>/field: ..."), unless it is marked
// "optional" (the shipped defaults are: a config without token_holdings
// simply has no such count); then it is left out.
std::vector<StatCount> statCountsFrom(const nlohmann::json& counts, const std::map<std::string, Collection>& collections,
                                      std::vector<std::string>& errors);

// [{"name","collection","field"},...]: what the host hands plugins.
std::string statCountsJson(const std::vector<StatCount>& counts);

}  // namespace wno::host::data
