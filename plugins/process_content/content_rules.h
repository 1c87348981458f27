// The moderation rules of process_content: how a content body is normalized
// and when it is rejected, parsed once from the component config.
//
// Text kinds: UTF-8 is checked; CRLF, CR, NEL, U+2028/9 become LF; control
// and invisible characters (U+200B, U+2060, U+FEFF, U+00AD) go; Unicode
// spaces and tabs become a space; with collapse_spaces each line is trimmed
// and inner runs of spaces become one; runs of blank lines are cut to
// max_blank_lines; leading and trailing blank lines go. URL kinds: the same
// cleanup, then the whole body must be one absolute URL with an allowed
// scheme, a host and no credentials. Then, for every kind: empty ->
// rejected, longer than the kind's max_length (Unicode code points) ->
// rejected, a banned word or phrase (case-insensitive, whole words) or a
// banned pattern (PCRE, case-insensitive, UTF-8) anywhere -> rejected.
// THREADS: immutable after construction; evaluate() may run concurrently.
#pragma once

#include <Poco/RegularExpression.h>

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace wno::content {

struct Verdict {
  bool accepted = false;
  std::string body;    // the normalized body (accepted); the input otherwise
  std::string reason;  // why it was rejected; empty when accepted
  size_t length = 0;   // code points of the normalized body
};

class ContentRules {
 public:
  // Reads the rule keys of the config (see process_content_plugin.cpp for
  // the list); throws std::invalid_argument naming the offending key.
  explicit ContentRules(const nlohmann::json& config);

  Verdict evaluate(const std::string& kind, const std::string& body) const;

  size_t maxLength(const std::string& kind) const;
  bool isUrlKind(const std::string& kind) const { return urlKinds_.count(kind) != 0; }

 private:
  std::map<std::string, size_t> maxLength_;
  size_t defaultMaxLength_ = 10000;
  size_t minLength_ = 1;
  std::vector<std::pair<std::string, std::u32string>> bannedWords_;  // as written, lowercased code points
  std::vector<std::pair<std::string, std::shared_ptr<Poco::RegularExpression>>> bannedPatterns_;
  std::set<std::string> urlKinds_ = {"image", "video"};
  std::set<std::string> urlSchemes_ = {"https"};
  bool collapseSpaces_ = true;
  size_t maxBlankLines_ = 1;
};

// UTF-8 <-> code points; decode returns false on malformed input (overlong
// forms, surrogates, values above U+10FFFF, truncated sequences).
bool decodeUtf8(const std::string& in, std::u32string& out);
std::string encodeUtf8(const std::u32string& in);

}  // namespace wno::content
