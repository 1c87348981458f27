#include "config/json_file.h"

#include "config/json_pointer.h"
#include "config/text_position.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <set>

namespace wno::config {
namespace {

std::string at(const std::string& text, size_t offset) {
  const TextPosition p = positionOf(text, offset);
  return "line " + std::to_string(p.line) + ", column " + std::to_string(p.column);
}

// nlohmann prefixes "[json.exception.parse_error.101] parse error at line 3,
// column 16: "; operators need only the part after it (we add our own position).
std::string reason(const std::string& what) {
  for (const char* marker : {"syntax error", "number overflow", "invalid"}) {
    if (auto pos = what.find(marker); pos != std::string::npos) return what.substr(pos);
  }
  if (auto pos = what.find("] "); pos != std::string::npos) return what.substr(pos + 2);
  return what;
}

// Tracks where the parser is (as a JSON pointer) so a repeated key can be
// reported at its pointer. Frames mirror the open objects and arrays.
class DuplicateKeyFinder {
 public:
  DuplicateKeyFinder(const std::string& path, std::vector<ConfigError>& errors) : path_(path), errors_(errors) {}

  bool operator()(int, nlohmann::json::parse_event_t event, const nlohmann::json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    switch (event) {
      case Event::object_start:
        frames_.push_back(Frame{false, 0, {}, {}});
        break;
      case Event::array_start:
        frames_.push_back(Frame{true, 0, {}, {}});
        break;
      case Event::key: {
        Frame& top = frames_.back();
        top.key = parsed.get<std::string>();
        if (!top.keys.insert(top.key).second) {
          errors_.push_back({pointer(), "duplicate key in " + path_ + "; JSON keeps only one of them, remove the other"});
        }
        break;
      }
      case Event::object_end:
      case Event::array_end:
        frames_.pop_back();
        elementDone();
        break;
      case Event::value:
        elementDone();
        break;
    }
    return true;
  }

 private:
  struct Frame {
    bool array;
    size_t index;
    std::set<std::string> keys;
    std::string key;
  };

  void elementDone() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
  }

  std::string pointer() const {
    std::string out;
    for (const auto& f : frames_) out += "/" + (f.array ? std::to_string(f.index) : pointerToken(f.key));
    return out;
  }

  const std::string& path_;
  std::vector<ConfigError>& errors_;
  std::vector<Frame> frames_;
};

}  // namespace

std::optional<nlohmann::json> parseJsonText(const std::string& text, const std::string& path,
                                            std::vector<ConfigError>& errors) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    errors.push_back({path, "the file is empty; expected a JSON object"});
    return std::nullopt;
  }
  // The finder writes to a local list first: after a syntax error its
  // findings would only be noise next to the real problem.
  std::vector<ConfigError> duplicates;
  auto finder = std::make_shared<DuplicateKeyFinder>(path, duplicates);
  try {
    nlohmann::json doc = nlohmann::json::parse(
        text, [finder](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
          return (*finder)(depth, event, parsed);
        });
    if (!duplicates.empty()) {
      errors.insert(errors.end(), duplicates.begin(), duplicates.end());
      return std::nullopt;
    }
    return doc;
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte counts the offending character itself, hence the - 1.
    errors.push_back({path, at(text, e.byte == 0 ? 0 : e.byte - 1) + ": malformed JSON: " + reason(e.what())});
  } catch (const nlohmann::json::exception& e) {
    // Number overflow ("1e400") is an out_of_range without a position: point
    // at the literal nlohmann quotes, where it can be found.
    const std::string what = e.what();
    std::string where;
    const auto open = what.find('\'');
    const auto close = what.rfind('\'');
    if (open != std::string::npos && close > open) {
      if (auto found = text.find(what.substr(open + 1, close - open - 1)); found != std::string::npos) {
        where = at(text, found) + ": ";
      }
    }
    errors.push_back({path, where + "malformed JSON: " + reason(what)});
  }
  return std::nullopt;
}

std::optional<nlohmann::json> readJsonFile(const std::string& path, std::vector<ConfigError>& errors) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    errors.push_back({path, "is a directory, not a JSON file"});
    return std::nullopt;
  }
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) {
    errors.push_back({path, std::string("cannot read the file: ") + std::strerror(errno)});
    return std::nullopt;
  }
  std::string text;
  char buffer[65536];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) text.append(buffer, n);
  if (std::ferror(file.get())) {
    errors.push_back({path, std::string("cannot read the file: ") + std::strerror(errno)});
    return std::nullopt;
  }
  return parseJsonText(text, path, errors);
}

}  // namespace wno::config
