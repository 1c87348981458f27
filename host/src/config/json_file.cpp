#include "config/json_file.h"

#include <fstream>
#include <sstream>

namespace wno::config {

std::optional<nlohmann::json> readJsonFile(const std::string& path, std::vector<ConfigError>& errors) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    errors.push_back({path, "cannot read the file (does it exist and is it readable?)"});
    return std::nullopt;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // nlohmann reports a byte offset; operators need line and column.
    size_t line = 1, column = 1;
    const size_t upto = std::min<size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    for (size_t i = 0; i < upto; ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    std::string what = e.what();
    if (auto pos = what.find("syntax error"); pos != std::string::npos) what = what.substr(pos);
    errors.push_back({path, "line " + std::to_string(line) + ", column " + std::to_string(column) +
                                ": malformed JSON: " + what});
    return std::nullopt;
  }
}

}  // namespace wno::config
