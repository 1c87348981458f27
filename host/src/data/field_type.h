// Field types of config-declared collections, and how values of each type
// are read from query strings and checked in JSON bodies. Timestamps are
// normalized to RFC 3339 UTC ("2026-11-01T00:00:00Z", fractions kept) so they
// compare correctly as text in every backend.
#pragma once

#include "core/status.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace wno::host::data {

enum class FieldType { Int64, Text, Bool, Double, Timestamp, Json };

std::optional<FieldType> parseFieldType(const std::string& name);
const char* fieldTypeName(FieldType type);

// A query-string value as a typed JSON value; error text names what was expected.
Result<nlohmann::json> valueFromQuery(FieldType type, const std::string& text);
// A JSON body value (not null) checked against the type, normalized (timestamps).
Result<nlohmann::json> valueFromBody(FieldType type, const nlohmann::json& value);
// RFC 3339 with an offset or Z -> UTC "YYYY-MM-DDTHH:MM:SS[.f]Z"; nullopt if malformed.
std::optional<std::string> normalizeTimestamp(const std::string& text);
std::string nowTimestamp();

}  // namespace wno::host::data
