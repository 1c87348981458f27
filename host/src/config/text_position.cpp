#include "config/text_position.h"

#include <algorithm>

namespace wno::config {

TextPosition positionOf(const std::string& text, size_t offset) {
  TextPosition pos;
  const size_t end = std::min(offset, text.size());
  for (size_t i = 0; i < end; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++pos.line;
      pos.column = 1;
    } else if ((c & 0xC0) != 0x80) {  // continuation bytes belong to the previous character
      ++pos.column;
    }
  }
  return pos;
}

}  // namespace wno::config
