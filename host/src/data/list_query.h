// Parses a list request's query string (PostgREST-style filters, sort,
// limit, fields, cursor) against a collection into the structured QUERY a
// repository runs. Every rejection names the offending parameter.
#pragma once

#include "data/collection.h"

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace wno::host::data {

// One condition, or a group of them: a leaf names a field and an operator;
// a group ("and"/"or", from PostgREST's or=(...) and and=(...)) holds its
// terms in `children`. Either may be negated (not.).
struct Filter {
  std::string field;  // empty for a group
  std::string op;     // eq ne gt gte lt lte like in nin is_null is_not_null; and or
  nlohmann::json value;
  bool negated = false;
  std::vector<Filter> children;

  bool isGroup() const { return op == "and" || op == "or"; }
  // Whether this needs a repository that reads groups and "not" (ABI 1.2).
  bool needsBooleanQuery() const;
};

// Bounds of a boolean filter: nesting (a group in a group is depth 2) and
// conditions across the whole query string.
constexpr int kMaxFilterDepth = 4;
constexpr int kMaxFilterTerms = 64;

struct SortKey {
  std::string field;
  bool desc = false;
};

struct ListQuery {
  std::vector<Filter> filters;
  std::vector<SortKey> sort;  // always ends with id
  int limit = 20;
  std::vector<std::string> fields;  // empty: all
  std::string cursor;               // opaque, verified separately

  bool needsBooleanQuery() const;
  // Canonical text of the sort and of the filters, for binding cursors.
  std::string sortSignature() const;
  std::string filterSignature() const;
  // The repository QUERY (repository.h); `after` from a verified cursor.
  nlohmann::json toRepositoryQuery(const nlohmann::json& after, int fetch) const;
};

struct QueryError {
  std::string parameter;
  std::string message;
};

// On failure returns false and fills `error`.
bool parseListQuery(const Collection& c, const std::vector<std::pair<std::string, std::string>>& params,
                    ListQuery& out, QueryError& error);

// Parses one "field" parameter value ("op.value", "not.op.value", or a bare
// value meaning eq).
// `inGroup`: a term of or=(...)/and=(...), whose scalar may be double-quoted.
bool parseFilter(const Collection& c, const std::string& field, const std::string& raw, Filter& out,
                 std::string& error, bool inGroup = false);

}  // namespace wno::host::data
