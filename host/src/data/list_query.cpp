#include "data/list_query.h"

#include "data/query_text.h"

#include <algorithm>
#include <charconv>
#include <set>

namespace wno::host::data {
namespace {

const std::vector<std::string> kScalarOps = {"eq", "ne", "gt", "gte", "lt", "lte", "like"};

// "or(...)", "and(...)", "not.or(...)", "not.and(...)": the group's operator,
// negation and the text between its parentheses; false for anything else.
bool groupTerm(const std::string& term, std::string& op, bool& negated, std::string& inner) {
  std::string rest = term;
  negated = rest.rfind("not.", 0) == 0;
  if (negated) rest = rest.substr(4);
  for (const char* candidate : {"or", "and"}) {
    const std::string open = std::string(candidate) + "(";
    if (rest.rfind(open, 0) == 0 && rest.back() == ')') {
      op = candidate;
      inner = rest.substr(open.size(), rest.size() - open.size() - 1);
      return true;
    }
  }
  return false;
}

struct GroupParser {
  const Collection& c;
  int terms = 0;

  bool parse(const std::string& op, bool negated, const std::string& inner, int depth, Filter& out,
             std::string& error) {
    if (depth > kMaxFilterDepth) {
      error = "groups nest at most " + std::to_string(kMaxFilterDepth) + " deep";
      return false;
    }
    std::vector<std::string> parts;
    if (!splitTerms(inner, parts, error)) return false;
    out = Filter{};
    out.op = op;
    out.negated = negated;
    for (const auto& part : parts) {
      if (part.empty()) {
        error = "empty condition in " + op + "(...)";
        return false;
      }
      Filter child;
      std::string childOp, childInner;
      bool childNegated = false;
      if (groupTerm(part, childOp, childNegated, childInner)) {
        if (!parse(childOp, childNegated, childInner, depth + 1, child, error)) return false;
      } else {
        if (++terms > kMaxFilterTerms) {
          error = "at most " + std::to_string(kMaxFilterTerms) + " conditions";
          return false;
        }
        const size_t dot = part.find('.');
        if (dot == std::string::npos) {
          error = "expected field.operator.value, got \"" + part + "\"";
          return false;
        }
        const std::string field = part.substr(0, dot);
        if (!c.field(field)) {
          error = "no field \"" + field + "\" in collection " + c.name;
          return false;
        }
        if (!c.filterable.count(field)) {
          error = "field \"" + field + "\" is not filterable";
          return false;
        }
        if (!parseFilter(c, field, part.substr(dot + 1), child, error, true)) return false;
      }
      out.children.push_back(std::move(child));
    }
    return true;
  }
};

// or=(...), and=(...), not.or=(...), not.and=(...): one group of terms.
bool parseGroupParameter(GroupParser& groups, const std::string& key, const std::string& value,
                         std::vector<Filter>& filters, std::string& error) {
  const bool negated = key.rfind("not.", 0) == 0;
  const std::string op = negated ? key.substr(4) : key;
  if (value.size() < 2 || value.front() != '(' || value.back() != ')') {
    error = "expected " + key + "=(field.operator.value,...)";
    return false;
  }
  Filter group;
  if (!groups.parse(op, negated, value.substr(1, value.size() - 2), 1, group, error)) return false;
  filters.push_back(std::move(group));
  return true;
}

// <field>=<op>.<value>: one condition, counted with the groups' terms.
bool parseFieldParameter(GroupParser& groups, const std::string& key, const std::string& value,
                         std::vector<Filter>& filters, std::string& error) {
  const Collection& c = groups.c;
  if (!c.field(key)) {
    error = "unknown parameter or field \"" + key + "\"";
    return false;
  }
  if (!c.filterable.count(key)) {
    error = "field \"" + key + "\" is not filterable";
    return false;
  }
  if (++groups.terms > kMaxFilterTerms) {
    error = "at most " + std::to_string(kMaxFilterTerms) + " conditions";
    return false;
  }
  Filter filter;
  if (!parseFilter(c, key, value, filter, error)) return false;
  filters.push_back(std::move(filter));
  return true;
}

// sort=field,-field: sortable fields, each once, "-" for descending.
bool parseSort(const Collection& c, const std::string& value, std::vector<SortKey>& sort, std::string& error) {
  std::vector<std::string> parts;
  std::string splitError;
  if (!splitList(value, parts, splitError) || parts.empty()) {
    error = "expected sort=field,-field";
    return false;
  }
  for (auto part : parts) {
    SortKey k;
    if (!part.empty() && (part[0] == '-' || part[0] == '+')) {
      k.desc = part[0] == '-';
      part = part.substr(1);
    }
    const bool twice = std::any_of(sort.begin(), sort.end(), [&](const SortKey& e) { return e.field == part; });
    if (!c.field(part)) error = "no field \"" + part + "\" in collection " + c.name;
    else if (!c.sortable.count(part)) error = "field \"" + part + "\" is not sortable";
    else if (twice) error = "field \"" + part + "\" appears twice";
    if (!error.empty()) return false;
    k.field = part;
    sort.push_back(k);
  }
  return true;
}

// limit=N, from 1 to the collection's largest page.
bool parseLimit(const Collection& c, const std::string& value, int& limit, std::string& error) {
  int parsed = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
  if (ec != std::errc() || end != value.data() + value.size() || parsed < 1 || parsed > c.maxPageSize) {
    error = "expected an integer from 1 to " + std::to_string(c.maxPageSize);
    return false;
  }
  limit = parsed;
  return true;
}

// fields=a,b: known fields; one named twice is kept once.
bool parseFields(const Collection& c, const std::string& value, std::vector<std::string>& fields,
                 std::string& error) {
  std::vector<std::string> names;
  std::string splitError;
  if (!splitList(value, names, splitError) || names.empty()) {
    error = "expected fields=a,b";
    return false;
  }
  for (const auto& name : names) {
    if (!c.field(name)) {
      error = "no field \"" + name + "\" in collection " + c.name;
      return false;
    }
    if (std::find(fields.begin(), fields.end(), name) == fields.end()) fields.push_back(name);
  }
  return true;
}

// id breaks ties so every row has one position; it follows the direction
// of the first key so the default "newest first" stays newest first.
void endSortWithId(std::vector<SortKey>& sort) {
  if (!sort.empty() && sort.back().field == "id") return;
  const bool desc = sort.empty() ? false : sort.front().desc;
  bool hasId = false;
  for (const auto& k : sort) hasId = hasId || k.field == "id";
  if (!hasId) sort.push_back({"id", desc});
}

// Canonical JSON of a filter for cursor binding: a plain leaf keeps the
// [field, op, value] form cursors have always been bound to.
nlohmann::json signatureOf(const Filter& f) {
  if (!f.isGroup()) return {f.field, (f.negated ? "not." : "") + f.op, f.value};
  nlohmann::json terms = nlohmann::json::array();
  for (const auto& child : f.children) terms.push_back(signatureOf(child));
  return {{(f.negated ? "not." : "") + f.op, terms}};
}

// The repository QUERY form of a filter (repository.h).
nlohmann::json repositoryFilter(const Filter& f) {
  nlohmann::json j;
  if (f.isGroup()) {
    nlohmann::json terms = nlohmann::json::array();
    for (const auto& child : f.children) terms.push_back(repositoryFilter(child));
    j = {{f.op, terms}};
  } else {
    j = {{"field", f.field}, {"op", f.op}};
    if (f.op != "is_null" && f.op != "is_not_null") j["value"] = f.value;
  }
  if (f.negated) j["not"] = true;
  return j;
}

}  // namespace

bool Filter::needsBooleanQuery() const { return negated || isGroup(); }

bool ListQuery::needsBooleanQuery() const {
  for (const auto& f : filters) {
    if (f.needsBooleanQuery()) return true;
  }
  return false;
}

bool parseFilter(const Collection& c, const std::string& fieldName, const std::string& rawText, Filter& out,
                 std::string& error, bool inGroup) {
  const Field* field = c.field(fieldName);
  if (!field) {
    error = "no field \"" + fieldName + "\" in collection " + c.name;
    return false;
  }
  out = Filter{};
  out.field = fieldName;
  std::string raw = rawText;
  if (raw.rfind("not.", 0) == 0) {
    out.negated = true;
    raw = raw.substr(4);
  }
  std::string op = "eq", rest = raw;
  if (auto dot = raw.find('.'); dot != std::string::npos) {
    const std::string candidate = raw.substr(0, dot);
    if (candidate == "in" || candidate == "nin" || candidate == "is" ||
        std::find(kScalarOps.begin(), kScalarOps.end(), candidate) != kScalarOps.end()) {
      op = candidate;
      rest = raw.substr(dot + 1);
    }
  }
  if (op == "is") {
    if (rest == "null") out.op = "is_null";
    else if (rest == "notnull") out.op = "is_not_null";
    else {
      error = "is. takes null or notnull, got \"" + rest + "\"";
      return false;
    }
    return true;
  }
  if (op == "in" || op == "nin") {
    if (rest.size() < 2 || rest.front() != '(' || rest.back() != ')') {
      error = op + ". takes a parenthesized list: " + op + ".(a,b)";
      return false;
    }
    std::vector<std::string> items;
    if (!splitList(rest.substr(1, rest.size() - 2), items, error)) return false;
    if (items.empty() || items.size() > 100) {
      error = op + ". takes 1 to 100 values";
      return false;
    }
    out.op = op;
    out.value = nlohmann::json::array();
    for (const auto& item : items) {
      auto v = valueFromQuery(field->type, item);
      if (!v.isOk()) {
        error = v.status().message();
        return false;
      }
      out.value.push_back(std::move(v).value());
    }
    return true;
  }
  if (op == "like" && field->type != FieldType::Text) {
    error = "like. works on text fields only";
    return false;
  }
  if (inGroup) rest = unquoteScalar(rest);
  auto v = valueFromQuery(field->type, rest);
  if (!v.isOk()) {
    error = v.status().message();
    return false;
  }
  out.op = op;
  out.value = std::move(v).value();
  return true;
}

bool parseListQuery(const Collection& c, const std::vector<std::pair<std::string, std::string>>& params,
                    ListQuery& out, QueryError& error) {
  out = ListQuery{};
  out.limit = c.defaultPageSize;
  std::set<std::string> seen;
  GroupParser groups{c};
  for (const auto& [key, value] : params) {
    std::string message;
    bool ok = true;
    if (key == "sort" || key == "limit" || key == "fields" || key == "cursor") {
      if (!seen.insert(key).second) {
        error = {key, key + " given twice"};
        return false;
      }
    }
    if (key == "or" || key == "and" || key == "not.or" || key == "not.and") {
      ok = parseGroupParameter(groups, key, value, out.filters, message);
    } else if (key == "sort") {
      ok = parseSort(c, value, out.sort, message);
    } else if (key == "limit") {
      ok = parseLimit(c, value, out.limit, message);
    } else if (key == "fields") {
      ok = parseFields(c, value, out.fields, message);
    } else if (key == "cursor") {
      out.cursor = value;
    } else {
      ok = parseFieldParameter(groups, key, value, out.filters, message);
    }
    if (!ok) {
      error = {key, std::move(message)};
      return false;
    }
  }
  endSortWithId(out.sort);
  return true;
}

std::string ListQuery::sortSignature() const {
  std::string s;
  for (const auto& k : sort) s += (k.desc ? "-" : "+") + k.field + ",";
  return s;
}

std::string ListQuery::filterSignature() const {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& f : filters) list.push_back(signatureOf(f));
  return list.dump();
}

nlohmann::json ListQuery::toRepositoryQuery(const nlohmann::json& after, int fetch) const {
  nlohmann::json filterList = nlohmann::json::array();
  for (const auto& f : filters) filterList.push_back(repositoryFilter(f));
  nlohmann::json sortList = nlohmann::json::array();
  for (const auto& k : sort) sortList.push_back({{"field", k.field}, {"desc", k.desc}});
  nlohmann::json selected = nlohmann::json::array();
  if (!fields.empty()) {
    for (const auto& f : fields) selected.push_back(f);
    for (const auto& k : sort) {
      if (std::find(fields.begin(), fields.end(), k.field) == fields.end()) selected.push_back(k.field);
    }
  }
  nlohmann::json q = {{"filters", filterList}, {"sort", sortList}, {"limit", fetch}, {"fields", selected}};
  if (!after.is_null()) q["after"] = after;
  return q;
}

}  // namespace wno::host::data
