// A collection as config declares it: fields with types and constraints,
// which fields may be filtered and sorted, which operations are allowed,
// paging and cache policy. Parsed once at start; identifiers used in SQL
// come only from here, never from requests.
#pragma once

#include "core/status.h"
#include "data/field_type.h"

#include "data/tag_template.h"

#include <nlohmann/json.hpp>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace wno::host::data {

struct Field {
  std::string name;
  FieldType type = FieldType::Text;
  bool required = false;
  bool nullable = true;
  bool unique = false;
  bool readOnly = false;  // set by the host (created_at, updated_at, version)
  nlohmann::json defaultValue;        // null: none
  std::vector<std::string> allowed;   // enum of text values; empty: any
};

// Entities are cached with the tags "<collection>", "<collection>:<id>" and
// `tags`; list pages with "<collection>", "<collection>:list" and `tags`.
// Updates and deletes invalidate "<collection>:<id>" and "<collection>:list",
// creates only "<collection>:list" (a new row changes no cached entity);
// "<collection>" is there to drop everything of a collection at once.
struct CachePolicy {
  bool enabled = true;
  int64_t ttlMs = 30000;
  std::string region;  // default: the collection name
  std::vector<std::string> tags;
  bool lists = true;   // cache list pages too (those small enough not to be streamed)
  // Tags of other things a write here makes stale (cache/invalidates),
  // filled from each written row: "users:{creator_id}:stats".
  std::vector<TagTemplate> invalidates;
  std::string controlHeader = "public, max-age=30";  // Cache-Control of reads: max-age from ttlMs
};

struct Collection {
  std::string name;
  std::string table;
  std::string repository;
  bool versioned = false;
  std::vector<Field> fields;  // including id, created_at, version, updated_at
  std::set<std::string> filterable;
  std::set<std::string> sortable;
  std::set<std::string> operations;  // list get create bulk update delete
  int maxPageSize = 100;
  int defaultPageSize = 20;
  std::vector<nlohmann::json> indexes;
  CachePolicy cache;

  const Field* field(const std::string& name) const;
  bool allows(const std::string& op) const { return operations.count(op) > 0; }
  // The COLLECTION document repositories receive (repository.h).
  nlohmann::json toRepositoryJson() const;
};

// Parses /data/collections; every error is "<pointer>: <message>".
std::map<std::string, Collection> collectionsFrom(const nlohmann::json& collections, std::vector<std::string>& errors);

// Validates a create body: unknown fields, read-only fields, types, enums,
// required fields; fills defaults. The result is the row to insert.
Result<nlohmann::json> validateCreate(const Collection& c, const nlohmann::json& body, std::string& parameter);
// Validates a PATCH body: same checks, nothing required, nothing filled.
Result<nlohmann::json> validatePatch(const Collection& c, const nlohmann::json& body, std::string& parameter);

}  // namespace wno::host::data
