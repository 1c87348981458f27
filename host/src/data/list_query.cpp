#include "data/list_query.h"

#include <charconv>

namespace wno::host::data {
namespace {

// Splits "a,b,\"c,d\"" on commas outside double quotes; quotes are removed
// and \" or \\ escape inside them.
bool splitList(const std::string& text, std::vector<std::string>& out, std::string& error) {
  std::string current;
  bool quoted = false, wasQuoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (quoted) {
      if (ch == '\\' && i + 1 < text.size()) current += text[++i];
      else if (ch == '"') quoted = false;
      else current += ch;
    } else if (ch == '"') {
      quoted = wasQuoted = true;
    } else if (ch == ',') {
      out.push_back(current);
      current.clear();
      wasQuoted = false;
    } else {
      current += ch;
    }
  }
  if (quoted) {
    error = "unterminated quote in list";
    return false;
  }
  if (!current.empty() || wasQuoted || !out.empty()) out.push_back(current);
  return true;
}

const std::vector<std::string> kScalarOps = {"eq", "ne", "gt", "gte", "lt", "lte", "like"};

// Splits a group's terms on the commas at its own level: not inside a nested
// group's or an in-list's parentheses, nor inside double quotes.
bool splitTerms(const std::string& text, std::vector<std::string>& out, std::string& error) {
  std::string current;
  int depth = 0;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (quoted) {
      if (ch == '\\' && i + 1 < text.size()) current += text.substr(i++, 2);
      else {
        if (ch == '"') quoted = false;
        current += ch;
      }
      continue;
    }
    if (ch == '"') quoted = true;
    if (ch == '(') ++depth;
    if (ch == ')' && --depth < 0) {
      error = "unbalanced \")\"";
      return false;
    }
    if (ch == ',' && depth == 0) {
      out.push_back(current);
      current.clear();
    } else {
      current += ch;
    }
  }
  if (quoted || depth != 0) {
    error = quoted ? "unterminated quote" : "unbalanced \"(\"";
    return false;
  }
  out.push_back(current);
  return true;
}

// A scalar inside a group may be double-quoted, so that it can hold commas
// and parentheses: "a,b" is the text a,b.
std::string unquoteScalar(const std::string& raw) {
  if (raw.size() < 2 || raw.front() != '"' || raw.back() != '"') return raw;
  std::string out;
  for (size_t i = 1; i + 1 < raw.size(); ++i) {
    if (raw[i] == '\\' && i + 2 < raw.size()) ++i;
    out += raw[i];
  }
  return out;
}

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
  auto fail = [&](const std::string& parameter, std::string message) {
    error = {parameter, std::move(message)};
    return false;
  };
  bool sawSort = false, sawLimit = false, sawFields = false, sawCursor = false;
  GroupParser groups{c};
  for (const auto& [key, value] : params) {
    if (key == "or" || key == "and" || key == "not.or" || key == "not.and") {
      const bool negated = key.rfind("not.", 0) == 0;
      const std::string op = negated ? key.substr(4) : key;
      if (value.size() < 2 || value.front() != '(' || value.back() != ')') {
        return fail(key, "expected " + key + "=(field.operator.value,...)");
      }
      Filter group;
      std::string message;
      if (!groups.parse(op, negated, value.substr(1, value.size() - 2), 1, group, message)) return fail(key, message);
      out.filters.push_back(std::move(group));
    } else if (key == "sort") {
      if (sawSort) return fail(key, "sort given twice");
      sawSort = true;
      std::vector<std::string> parts;
      std::string splitError;
      if (!splitList(value, parts, splitError) || parts.empty()) return fail(key, "expected sort=field,-field");
      for (auto part : parts) {
        SortKey k;
        if (!part.empty() && (part[0] == '-' || part[0] == '+')) {
          k.desc = part[0] == '-';
          part = part.substr(1);
        }
        if (!c.field(part)) return fail(key, "no field \"" + part + "\" in collection " + c.name);
        if (!c.sortable.count(part)) return fail(key, "field \"" + part + "\" is not sortable");
        for (const auto& existing : out.sort) {
          if (existing.field == part) return fail(key, "field \"" + part + "\" appears twice");
        }
        k.field = part;
        out.sort.push_back(k);
      }
    } else if (key == "limit") {
      if (sawLimit) return fail(key, "limit given twice");
      sawLimit = true;
      int limit = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), limit);
      if (ec != std::errc() || end != value.data() + value.size() || limit < 1 || limit > c.maxPageSize) {
        return fail(key, "expected an integer from 1 to " + std::to_string(c.maxPageSize));
      }
      out.limit = limit;
    } else if (key == "fields") {
      if (sawFields) return fail(key, "fields given twice");
      sawFields = true;
      std::vector<std::string> names;
      std::string splitError;
      if (!splitList(value, names, splitError) || names.empty()) return fail(key, "expected fields=a,b");
      for (const auto& name : names) {
        if (!c.field(name)) return fail(key, "no field \"" + name + "\" in collection " + c.name);
        if (std::find(out.fields.begin(), out.fields.end(), name) == out.fields.end()) out.fields.push_back(name);
      }
    } else if (key == "cursor") {
      if (sawCursor) return fail(key, "cursor given twice");
      sawCursor = true;
      out.cursor = value;
    } else {
      if (!c.field(key)) return fail(key, "unknown parameter or field \"" + key + "\"");
      if (!c.filterable.count(key)) return fail(key, "field \"" + key + "\" is not filterable");
      Filter filter;
      std::string message;
      if (++groups.terms > kMaxFilterTerms) return fail(key, "at most " + std::to_string(kMaxFilterTerms) + " conditions");
      if (!parseFilter(c, key, value, filter, message)) return fail(key, message);
      out.filters.push_back(std::move(filter));
    }
  }
  // id breaks ties so every row has one position; it follows the direction
  // of the first key so the default "newest first" stays newest first.
  if (out.sort.empty() || out.sort.back().field != "id") {
    const bool desc = out.sort.empty() ? false : out.sort.front().desc;
    bool hasId = false;
    for (const auto& k : out.sort) hasId = hasId || k.field == "id";
    if (!hasId) out.sort.push_back({"id", desc});
  }
  // The keyset needs the sort keys of the last row, whatever fields were asked for.
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
