// Line and column of a byte offset, as an editor shows them: both 1-based,
// columns counted in UTF-8 characters, not bytes.
#pragma once

#include <cstddef>
#include <string>

namespace wno::config {

struct TextPosition {
  size_t line = 1;
  size_t column = 1;
};

TextPosition positionOf(const std::string& text, size_t offset);

}  // namespace wno::config
