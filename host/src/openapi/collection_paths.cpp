// Collections as OpenAPI: per collection an entity schema (what reads
// return), a create and a patch schema (what writes accept), and the paths
// of the operations its config allows. The schemas mirror validateCreate /
// validatePatch and parseListQuery; a test compares them with the live host
// through a validating proxy.
#include "openapi/spec_parts.h"

namespace wno::host::openapi {
namespace {

using data::Collection;
using data::Field;
using data::FieldType;
using nlohmann::json;

// The JSON Schema of one value of the field, null included when it may be null.
json valueSchema(const Field& f, bool mayBeNull) {
  json s;
  switch (f.type) {
    case FieldType::Int64: s = {{"type", "integer"}, {"format", "int64"}}; break;
    case FieldType::Double: s = {{"type", "number"}, {"format", "double"}}; break;
    case FieldType::Bool: s = {{"type", "boolean"}}; break;
    case FieldType::Timestamp: s = {{"type", "string"}, {"format", "date-time"}}; break;
    case FieldType::Text: s = {{"type", "string"}}; break;
    case FieldType::Json:
      // Any JSON value, null included.
      return {{"description", "any JSON value"}};
  }
  if (!f.allowed.empty()) {
    s["enum"] = f.allowed;
    if (mayBeNull) s["enum"].push_back(nullptr);
  }
  if (mayBeNull) s["type"] = json::array({s["type"], "null"});
  return s;
}

json entitySchema(const Collection& c, bool allRequired) {
  json properties = json::object();
  json required = json::array();
  for (const Field& f : c.fields) {
    // Columns are NOT NULL exactly where the field is not nullable (toRepositoryJson).
    json p = valueSchema(f, f.nullable);
    if (f.readOnly) p["readOnly"] = true;
    if (f.unique) p["description"] = "unique";
    properties[f.name] = std::move(p);
    required.push_back(f.name);
  }
  json s = {{"type", "object"}, {"properties", properties}, {"additionalProperties", false}};
  if (allRequired) s["required"] = required;
  return s;
}

json writeSchema(const Collection& c, bool creating) {
  json properties = json::object();
  json required = json::array();
  for (const Field& f : c.fields) {
    if (f.readOnly) continue;
    json p = valueSchema(f, f.nullable);
    if (creating && !f.defaultValue.is_null()) p["default"] = f.defaultValue;
    properties[f.name] = std::move(p);
    if (creating && f.required) required.push_back(f.name);
  }
  json s = {{"type", "object"}, {"properties", properties}, {"additionalProperties", false}};
  if (!required.empty()) s["required"] = required;
  if (!creating) s["minProperties"] = 1;
  return s;
}

// "a|b|c" of the names, for patterns.
std::string alternatives(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : "|") + n;
  return out;
}

// The operators parseFilter accepts on a field of this type.
std::vector<std::string> operatorsFor(const Field& f) {
  std::vector<std::string> ops = {"eq", "ne", "gt", "gte", "lt", "lte"};
  if (f.type == FieldType::Text) ops.push_back("like");
  for (const char* op : {"in", "nin", "is"}) ops.push_back(op);
  return ops;
}

json filterParameter(const Field& f) {
  const auto ops = operatorsFor(f);
  std::string description = "Filter on " + f.name + ": `value` (eq) or `op.value` with op one of ";
  for (size_t i = 0; i < ops.size(); ++i) description += (i ? ", " : "") + ops[i];
  description += "; `in.(a,b)`, `nin.(a,b)` (1 to 100 values), `is.null`, `is.notnull`; `not.` before any of "
                 "them negates it.";
  json schema = {{"type", "string"}};
  // Where every value has a fixed shape the pattern says exactly what is
  // accepted, so a client (and a validating proxy) catches a typo before
  // the host does. Text and timestamps take free text after the operator.
  const std::string opPrefix = "((eq|ne|gt|gte|lt|lte)\\.)?";
  const std::string setOf = "(in|nin)\\.\\(";
  const std::string isNull = "is\\.(null|notnull)";
  const std::string negated = "(not\\.)?";
  if (f.type == FieldType::Int64) {
    const std::string n = "-?[0-9]+";
    schema["pattern"] = "^" + negated + "(" + opPrefix + n + "|" + setOf + n + "(," + n + ")*\\)|" + isNull + ")$";
  } else if (f.type == FieldType::Bool) {
    schema["pattern"] = "^" + negated + "(((eq|ne)\\.)?(true|false)|" + isNull + ")$";
  }
  json p = {{"name", f.name}, {"in", "query"}, {"required", false}, {"description", description},
            {"schema", schema}, {"x-wno-operators", ops}};
  if (!f.allowed.empty()) p["x-wno-values"] = f.allowed;
  return p;
}

json fieldsParameter(const Collection& c) {
  std::vector<std::string> names;
  for (const Field& f : c.fields) names.push_back(f.name);
  const std::string one = "(" + alternatives(names) + ")";
  return {{"name", "fields"},
          {"in", "query"},
          {"description", "Comma-separated fields to return (default: all)."},
          {"schema", {{"type", "string"}, {"pattern", "^" + one + "(," + one + ")*$"}}}};
}

// `sort` over the sortable fields; `what` leads its description.
json sortParameter(const Collection& c, const std::string& what) {
  std::vector<std::string> sortable(c.sortable.begin(), c.sortable.end());
  const std::string key = "[-+]?(" + alternatives(sortable) + ")";
  return {{"name", "sort"},
          {"in", "query"},
          {"description", what + "; id breaks ties. Sortable: " + alternatives(sortable) + "."},
          {"schema", {{"type", "string"}, {"pattern", "^" + key + "(," + key + ")*$"}}}};
}

json listParameters(const Collection& c) {
  json params = json::array();
  for (const Field& f : c.fields) {
    if (c.filterable.count(f.name)) params.push_back(filterParameter(f));
  }
  if (!c.filterable.empty()) {
    // PostgREST's boolean groups over the same filterable fields.
    for (const std::string group : {"or", "and", "not.or", "not.and"}) {
      const bool any = group.ends_with("or");
      const bool negated = group.starts_with("not.");
      params.push_back(
          {{"name", group},
           {"in", "query"},
           {"description", std::string(negated ? "Rows for which not " : "Rows for which ") + (any ? "any" : "every") +
                               " condition holds: `(field.op.value,...)`, nested with `or(...)`, `and(...)`, "
                               "`not.or(...)`, `not.and(...)`; at most 4 levels and 64 conditions."},
           {"schema", {{"type", "string"}, {"pattern", "^\\(.+\\)$"}}}});
    }
  }
  params.push_back(sortParameter(c, "Comma-separated sort keys, `-` for descending"));
  params.push_back({{"name", "limit"},
                    {"in", "query"},
                    {"description", "Rows per page."},
                    {"schema", {{"type", "integer"}, {"minimum", 1}, {"maximum", c.maxPageSize},
                                {"default", c.defaultPageSize}}}});
  params.push_back({{"name", "cursor"},
                    {"in", "query"},
                    {"description", "The next_cursor of the previous page: opaque and bound to the same filters and sort."},
                    {"schema", {{"type", "string"}, {"minLength", 1}}}});
  params.push_back(fieldsParameter(c));
  return params;
}

// PATCH and DELETE /{c}?<filters>&limit=N (parseFilterWrite): the list's
// filters and sort, a required limit, fields for the representation.
json filterWriteParameters(const Collection& c) {
  json params = json::array();
  for (const Field& f : c.fields) {
    if (c.filterable.count(f.name)) params.push_back(filterParameter(f));
  }
  params.push_back(sortParameter(c, "Which rows come first when more than `limit` match (`-` for descending)"));
  params.push_back({{"name", "limit"},
                    {"in", "query"},
                    {"required", true},
                    {"description", "At most this many rows change (the first in sort order); send the request again "
                                    "while a full batch comes back."},
                    {"schema", {{"type", "integer"}, {"minimum", 1}, {"maximum", c.maxPageSize}}}});
  json fields = fieldsParameter(c);
  fields["description"] = "Comma-separated fields of the rows a return=representation answer carries (default: all).";
  params.push_back(fields);
  params.push_back({{"name", "Prefer"},
                    {"in", "header"},
                    {"description", "`return=representation`: the answer carries the changed rows too."},
                    {"schema", {{"type", "string"}}}});
  return params;
}

// {"updated"|"deleted": N, "ids": [...], "data": [...] with return=representation}.
json filterWriteAnswer(const std::string& name, const char* countMember) {
  return {{"type", "object"},
          {"required", {countMember, "ids"}},
          {"additionalProperties", false},
          {"properties",
           {{countMember, {{"type", "integer"}, {"minimum", 0}}},
            {"ids", {{"type", "array"}, {"items", {{"type", "integer"}, {"format", "int64"}}}}},
            {"data", {{"type", "array"}, {"items", ref("schemas", name + "Selection")}}}}}};
}

json idParameter() {
  return {{"name", "id"}, {"in", "path"}, {"required", true},
          {"schema", {{"type", "integer"}, {"format", "int64"}, {"minimum", 1}}}};
}

json collectionTags(const Collection& c) { return json::array({c.name}); }

json readHeaders() { return {{"ETag", ref("headers", "ETag")}, {"Cache-Control", ref("headers", "CacheControl")}}; }

json ifNoneMatchParameter() { return {{"name", "If-None-Match"}, {"in", "header"}, {"schema", {{"type", "string"}}}}; }

json jsonRequestBody(const json& schema) {
  return {{"required", true}, {"content", {{"application/json", {{"schema", schema}}}}}};
}

// A write by filter on a repository whose plugin predates ABI 1.2.
json filterWriteNotImplemented() {
  return problemResponse("This collection's repository cannot write by filter (its plugin predates ABI 1.2).");
}

// GET /{c}: one page, in keyset order.
json listOperation(const Collection& c) {
  const std::string name = schemaName(c.name);
  json page = {{"type", "object"},
               {"required", {"data", "next_cursor", "has_more"}},
               {"additionalProperties", false},
               {"properties",
                {{"data", {{"type", "array"}, {"items", ref("schemas", name + "Selection")}}},
                 {"next_cursor", {{"type", {"string", "null"}}}},
                 {"has_more", {{"type", "boolean"}}}}}};
  json responses = {{"200", jsonResponse("One page, in keyset order.", page, readHeaders())},
                    {"304", ref("responses", "NotModified")},
                    {"400", ref("responses", "BadRequest")}};
  json params = listParameters(c);
  params.push_back(ifNoneMatchParameter());
  return {{"operationId", "list_" + c.name}, {"summary", "List " + c.name},
          {"tags", collectionTags(c)}, {"parameters", params}, {"responses", withApiErrors(responses)}};
}

// POST /{c}: one row.
json createOperation(const Collection& c) {
  const std::string name = schemaName(c.name);
  json responses = {
      {"201", jsonResponse("Created.", ref("schemas", name),
                           {{"Location", ref("headers", "Location")}, {"ETag", ref("headers", "ETag")}})},
      {"400", ref("responses", "BadRequest")},
      {"409", ref("responses", "Conflict")}};
  return {{"operationId", "create_" + c.name}, {"summary", "Create one row of " + c.name}, {"tags", collectionTags(c)},
          {"requestBody", jsonRequestBody(ref("schemas", name + "Create"))},
          {"responses", withApiErrors(responses)}};
}

// POST /{c}/bulk: many rows, all or nothing.
json bulkCreateOperation(const Collection& c, size_t maxBulkRows) {
  const std::string name = schemaName(c.name);
  json body = {{"type", "array"}, {"minItems", 1}, {"maxItems", maxBulkRows}, {"items", ref("schemas", name + "Create")}};
  json created = {{"type", "object"},
                  {"required", {"created", "ids"}},
                  {"additionalProperties", false},
                  {"properties",
                   {{"created", {{"type", "integer"}, {"minimum", 1}}},
                    {"ids", {{"type", "array"}, {"items", {{"type", "integer"}, {"format", "int64"}}}}}}}};
  json responses = {{"201", jsonResponse("All rows created, in one transaction.", created)},
                    {"400", ref("responses", "BadRequest")},
                    {"409", ref("responses", "Conflict")}};
  return {{"operationId", "bulk_create_" + c.name}, {"summary", "Create many rows of " + c.name + ": all or nothing"},
          {"tags", collectionTags(c)},
          {"requestBody", jsonRequestBody(body)},
          {"responses", withApiErrors(responses)}};
}

// PATCH /{c}?<filters>&limit=N: the rows a filter selects.
json updateWhereOperation(const Collection& c) {
  const std::string name = schemaName(c.name);
  json responses = {{"200", jsonResponse("The changed rows' count and ids (ascending), in one transaction.",
                                         filterWriteAnswer(name, "updated"))},
                    {"400", ref("responses", "BadRequest")},
                    {"409", ref("responses", "Conflict")},
                    {"501", filterWriteNotImplemented()}};
  return {{"operationId", "update_" + c.name + "_where"},
          {"summary", "Update the rows of " + c.name + " a filter selects (at most limit; versions go up by one)"},
          {"tags", collectionTags(c)},
          {"parameters", filterWriteParameters(c)},
          {"requestBody", jsonRequestBody(ref("schemas", name + "Patch"))},
          {"responses", withApiErrors(responses)}};
}

// DELETE /{c}?<filters>&limit=N: the rows a filter selects.
json deleteWhereOperation(const Collection& c) {
  json responses = {{"200", jsonResponse("The deleted rows' count and ids (ascending), in one transaction.",
                                         filterWriteAnswer(schemaName(c.name), "deleted"))},
                    {"400", ref("responses", "BadRequest")},
                    {"501", filterWriteNotImplemented()}};
  return {{"operationId", "delete_" + c.name + "_where"},
          {"summary", "Delete the rows of " + c.name + " a filter selects (at most limit)"},
          {"tags", collectionTags(c)},
          {"parameters", filterWriteParameters(c)},
          {"responses", withApiErrors(responses)}};
}

// GET /{c}/{id}
json getOperation(const Collection& c) {
  json responses = {{"200", jsonResponse("The row.", ref("schemas", schemaName(c.name) + "Selection"), readHeaders())},
                    {"304", ref("responses", "NotModified")},
                    {"400", ref("responses", "BadRequest")},
                    {"404", ref("responses", "NotFound")}};
  return {{"operationId", "get_" + c.name}, {"summary", "Get one row of " + c.name}, {"tags", collectionTags(c)},
          {"parameters", {idParameter(), fieldsParameter(c), ifNoneMatchParameter()}},
          {"responses", withApiErrors(responses)}};
}

// PATCH /{c}/{id}: optimistic concurrency through If-Match.
json updateOperation(const Collection& c) {
  const std::string name = schemaName(c.name);
  json responses = {{"200", jsonResponse("Updated.", ref("schemas", name), {{"ETag", ref("headers", "ETag")}})},
                    {"400", ref("responses", "BadRequest")},
                    {"404", ref("responses", "NotFound")},
                    {"409", ref("responses", "Conflict")},
                    {"412", ref("responses", "PreconditionFailed")},
                    {"428", ref("responses", "PreconditionRequired")}};
  json ifMatch = {{"name", "If-Match"}, {"in", "header"}, {"required", true},
                  {"description", "The ETag of the version being changed (or *)."},
                  {"schema", {{"type", "string"}}}};
  return {{"operationId", "update_" + c.name}, {"summary", "Update one row of " + c.name + " (optimistic concurrency)"},
          {"tags", collectionTags(c)},
          {"parameters", {idParameter(), ifMatch}},
          {"requestBody", jsonRequestBody(ref("schemas", name + "Patch"))},
          {"responses", withApiErrors(responses)}};
}

// DELETE /{c}/{id}
json deleteOperation(const Collection& c) {
  json responses = {{"204", {{"description", "Deleted."}}},
                    {"400", ref("responses", "BadRequest")},
                    {"404", ref("responses", "NotFound")}};
  return {{"operationId", "delete_" + c.name}, {"summary", "Delete one row of " + c.name},
          {"tags", collectionTags(c)}, {"parameters", {idParameter()}}, {"responses", withApiErrors(responses)}};
}

void addCollection(json& doc, const Collection& c, size_t maxBulkRows) {
  const std::string name = schemaName(c.name);
  json& schemas = doc["components"]["schemas"];
  schemas[name] = entitySchema(c, true);
  schemas[name]["description"] = "A row of collection " + c.name + ", as stored.";
  // What reads return: every field, unless `fields` selected some.
  schemas[name + "Selection"] = entitySchema(c, false);
  schemas[name + "Selection"]["description"] = "A row of " + c.name + ": all fields, or those `fields` selected.";
  if (c.allows("create") || c.allows("bulk")) schemas[name + "Create"] = writeSchema(c, true);
  if (c.allows("update")) schemas[name + "Patch"] = writeSchema(c, false);

  const std::string base = "/api/v1/" + c.name;
  const std::string one = base + "/{id}";
  json& paths = doc["paths"];
  if (c.allows("list")) paths[base]["get"] = listOperation(c);
  if (c.allows("create")) paths[base]["post"] = createOperation(c);
  if (c.allows("bulk")) paths[base + "/bulk"]["post"] = bulkCreateOperation(c, maxBulkRows);
  if (c.allows("update")) paths[base]["patch"] = updateWhereOperation(c);
  if (c.allows("delete")) paths[base]["delete"] = deleteWhereOperation(c);
  if (c.allows("get")) paths[one]["get"] = getOperation(c);
  if (c.allows("update")) paths[one]["patch"] = updateOperation(c);
  if (c.allows("delete")) paths[one]["delete"] = deleteOperation(c);
}

void addUserStats(json& doc) {
  json stats = {{"type", "object"},
                {"required", {"user_id", "computed_at"}},
                {"properties",
                 {{"user_id", {{"type", "integer"}, {"format", "int64"}}},
                  {"computed_at", {{"type", "string"}, {"format", "date-time"}}},
                  {"battles_created", {{"type", "integer"}}},
                  {"battles_joined", {{"type", "integer"}}},
                  {"contents", {{"type", "integer"}}},
                  {"comments", {{"type", "integer"}}},
                  {"token_holdings", {{"type", "integer"}}}}}};
  doc["components"]["schemas"]["UserStats"] = stats;
  json responses = {{"200", jsonResponse("Counts, computed through the cache (region statistics).", ref("schemas", "UserStats"))},
                    {"400", ref("responses", "BadRequest")},
                    {"404", ref("responses", "NotFound")}};
  doc["paths"]["/api/v1/users/{id}/stats"]["get"] = {
      {"operationId", "get_user_stats"}, {"summary", "A user's activity counts"}, {"tags", {"users"}},
      {"parameters", {idParameter()}}, {"responses", withApiErrors(responses)}};
}

}  // namespace

void addCollectionPaths(json& doc, const std::map<std::string, Collection>& collections, size_t maxBulkRows) {
  for (const auto& [name, c] : collections) addCollection(doc, c, maxBulkRows);
  if (collections.count("users")) addUserStats(doc);
}

}  // namespace wno::host::openapi
