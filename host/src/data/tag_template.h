// Cache tags a write to a collection invalidates besides its own
// (/data/collections/<c>/cache/invalidates): "users:{creator_id}:stats"
// names the tag of whatever the row's creator_id is, so a battle written
// by user 7 drops what is cached under users:7:stats (their statistics),
// which would otherwise stay stale for its TTL.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace wno::host::data {

class TagTemplate {
 public:
  // Parses `text`; every "{field}" must be one of `fields`. On failure
  // returns nullopt and says why in `error`.
  static std::optional<TagTemplate> parse(const std::string& text, const std::set<std::string>& fields,
                                          std::string& error);

  // The tag for one row (a JSON object), or nullopt when a field it names
  // is missing or null there (no such tag to drop).
  std::optional<std::string> tagFor(const nlohmann::json& row) const;
  // The fields it reads.
  const std::set<std::string>& fields() const { return fields_; }
  const std::string& text() const { return text_; }

 private:
  struct Part {
    std::string literal;  // text before the field (or the tail)
    std::string field;    // empty for the tail
  };
  std::string text_;
  std::vector<Part> parts_;
  std::set<std::string> fields_;
};

// Every tag the templates name for the rows, each once.
std::vector<std::string> tagsFor(const std::vector<TagTemplate>& templates, const std::vector<nlohmann::json>& rows);
// Whether a patch (a JSON object) sets a field one of the templates reads:
// then the row's old values name tags the new ones may not.
bool patchChangesTags(const std::vector<TagTemplate>& templates, const nlohmann::json& patch);

}  // namespace wno::host::data
