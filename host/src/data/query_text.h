// The small text grammar of a query string's values, below the meaning of
// any parameter: comma-separated lists with double quotes, a group's terms,
// and quoted scalars. Pure functions; errors are returned, not thrown.
#pragma once

#include <string>
#include <vector>

namespace wno::host::data {

// Splits "a,b,\"c,d\"" on commas outside double quotes; quotes are removed
// and \" or \\ escape inside them. Fills `error` and returns false for an
// unterminated quote.
bool splitList(const std::string& text, std::vector<std::string>& out, std::string& error);

// Splits a group's terms on the commas at its own level: not inside a nested
// group's or an in-list's parentheses, nor inside double quotes (which stay).
bool splitTerms(const std::string& text, std::vector<std::string>& out, std::string& error);

// A scalar inside a group may be double-quoted, so that it can hold commas
// and parentheses: "a,b" is the text a,b. Anything else is returned as is.
std::string unquoteScalar(const std::string& raw);

}  // namespace wno::host::data
