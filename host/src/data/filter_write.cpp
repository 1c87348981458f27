#include "data/filter_write.h"

namespace wno::host::data {
namespace {

std::string filterableList(const Collection& c) {
  std::string list;
  for (const auto& name : c.filterable) list += (list.empty() ? "" : ", ") + name;
  return list.empty() ? "none is configured" : list;
}

std::string limitRange(const Collection& c) { return "1 to " + std::to_string(c.maxPageSize); }

}  // namespace

bool parseFilterWrite(const Collection& c, const std::vector<std::pair<std::string, std::string>>& params,
                      ListQuery& out, QueryError& error) {
  bool hasLimit = false;
  for (const auto& [key, value] : params) {
    if (key == "cursor") {
      error = {key, "a write by filter takes no cursor: it changes the first `limit` rows in sort order; send it "
                    "again for the next ones"};
      return false;
    }
    hasLimit = hasLimit || key == "limit";
  }
  if (!parseListQuery(c, params, out, error)) return false;
  if (out.filters.empty()) {
    error = {"filter", "a write by filter needs at least one filter (filterable fields of " + c.name + ": " +
                           filterableList(c) + "), so that no request changes every row by accident"};
    return false;
  }
  if (!hasLimit) {
    error = {"limit", "a write by filter needs limit=" + limitRange(c) +
                          ": at most that many rows change; send it again while a full batch comes back"};
    return false;
  }
  return true;
}

Result<nlohmann::json> filterWriteQuery(const Collection& c, const nlohmann::json& query) {
  if (!query.is_object()) return Status(WNO_ERR_INVALID, "query_json: expected a QUERY object");
  for (const auto& [key, value] : query.items()) {
    if (key == "filters") {
      if (!value.is_array() || value.empty()) {
        return Status(WNO_ERR_INVALID, "filters: a write by filter needs at least one filter");
      }
    } else if (key == "limit") {
      if (!value.is_number_integer() || value.get<int64_t>() < 1 || value.get<int64_t>() > c.maxPageSize) {
        return Status(WNO_ERR_INVALID, "limit: expected an integer from " + limitRange(c) + " (max_page_size of " +
                                           c.name + ")");
      }
    } else if (key == "sort") {
      bool wellFormed = value.is_array();
      for (const auto& sortKey : wellFormed ? value : nlohmann::json::array()) {
        wellFormed = wellFormed && sortKey.is_object() && sortKey.contains("field") && sortKey["field"].is_string() &&
                     (!sortKey.contains("desc") || sortKey["desc"].is_boolean());
      }
      if (!wellFormed) return Status(WNO_ERR_INVALID, "sort: expected an array of {\"field\": name, \"desc\": bool}");
    } else {
      return Status(WNO_ERR_INVALID, key + ": not accepted by a write by filter (it takes filters, sort and limit)");
    }
  }
  if (!query.contains("filters")) return Status(WNO_ERR_INVALID, "filters: a write by filter needs at least one filter");
  if (!query.contains("limit")) return Status(WNO_ERR_INVALID, "limit: a write by filter needs one, " + limitRange(c));
  nlohmann::json normalized = query;
  nlohmann::json& sort = normalized["sort"];
  if (sort.is_null()) sort = nlohmann::json::array();
  const bool endsWithId = !sort.empty() && sort.back().is_object() && sort.back().value("field", "") == "id";
  if (!endsWithId) {
    const bool desc = !sort.empty() && sort.front().is_object() && sort.front().value("desc", false);
    sort.push_back({{"field", "id"}, {"desc", desc}});
  }
  return normalized;
}

}  // namespace wno::host::data
