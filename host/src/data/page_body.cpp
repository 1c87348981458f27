#include "data/page_body.h"

#include "data/row_text.h"

#include <algorithm>

namespace wno::host::data {

PageBody::PageBody(const ListQuery& query) : query_(query), project_(!query.fields.empty()), keepLast_(false) {
  for (const auto& k : query.sort) {
    if (project_ && std::find(query.fields.begin(), query.fields.end(), k.field) == query.fields.end()) keepLast_ = true;
  }
  body_.reserve(256 * static_cast<size_t>(std::max(1, query.limit)));
  body_.append("{\"data\":[");
}

Status PageBody::add(std::string_view row) {
  if (rows_ >= static_cast<size_t>(query_.limit)) {
    hasMore_ = true;
    return Status::ok();
  }
  if (rows_ > 0) body_.push_back(',');
  const size_t start = body_.size();
  const bool ok = project_ ? appendProjected(body_, row, query_.fields) : isJsonObject(row);
  if (!ok) return Status(WNO_ERR_INTERNAL, "the repository returned a row that is not a JSON object");
  if (!project_) body_.append(row);
  if (keepLast_) {
    last_.assign(row);
  } else {
    lastStart_ = start;
    lastEnd_ = body_.size();
  }
  ++rows_;
  return Status::ok();
}

nlohmann::json PageBody::lastKeys() const {
  const std::string_view row =
      keepLast_ ? std::string_view(last_) : std::string_view(body_).substr(lastStart_, lastEnd_ - lastStart_);
  nlohmann::json keys = nlohmann::json::array();
  for (const auto& k : query_.sort) {
    nlohmann::json value;  // null when absent
    forEachMember(row, [&](const RowMember& m) {
      if (m.key != k.field) return true;
      value = nlohmann::json::parse(m.value, nullptr, false);
      if (value.is_discarded()) value = nullptr;
      return false;
    });
    keys.push_back(std::move(value));
  }
  return keys;
}

void PageBody::finish(const std::string& nextCursor) {
  body_.append("],\"has_more\":");
  body_.append(hasMore_ ? "true" : "false");
  body_.append(",\"next_cursor\":");
  if (nextCursor.empty()) {
    body_.append("null");
  } else {
    // A cursor is base64url, '.', base64url: nothing to escape.
    body_.push_back('"');
    body_.append(nextCursor);
    body_.push_back('"');
  }
  body_.push_back('}');
}

}  // namespace wno::host::data
