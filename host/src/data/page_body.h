// A list page's body, {"data":[…],"has_more":…,"next_cursor":…}, built by
// splicing each row's JSON text as the repository hands it over (projected
// onto ?fields= by a scan when the select list had to carry extra sort
// keys), with no document in between. Fed limit + 1 rows at most: the
// extra one only says that another page exists.
// THREADS: one request's; not shared.
#pragma once

#include "core/status.h"
#include "data/list_query.h"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace wno::host::data {

class PageBody {
 public:
  explicit PageBody(const ListQuery& query);

  // One row as the repository wrote it; WNO_ERR_INTERNAL when it is not a
  // JSON object.
  Status add(std::string_view row);
  size_t rows() const { return rows_; }
  bool hasMore() const { return hasMore_; }
  // The sort-key values of the last row on the page, for its cursor
  // (null for a key the row lacks).
  nlohmann::json lastKeys() const;
  // Closes the body; `nextCursor` empty for none. The page is then `text()`.
  void finish(const std::string& nextCursor);
  std::string& text() { return body_; }

 private:
  const ListQuery& query_;
  bool project_;      // ?fields= leaves out members the rows carry
  bool keepLast_;     // ... among them sort keys: keep the whole last row
  std::string body_;
  std::string last_;  // the last row, when keepLast_
  size_t lastStart_ = 0, lastEnd_ = 0;  // the last row in body_, otherwise
  size_t rows_ = 0;
  bool hasMore_ = false;
};

}  // namespace wno::host::data
