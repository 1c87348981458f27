#include "content_rules.h"

#include <Poco/Exception.h>
#include <Poco/URI.h>
#include <Poco/UTF8Encoding.h>
#include <Poco/Unicode.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace wno::content {
namespace {

using nlohmann::json;

// Stateless; shared by every decode and encode.
const Poco::UTF8Encoding kUtf8;

bool isLineBreak(char32_t c) { return c == U'\n' || c == 0x85 || c == 0x2028 || c == 0x2029; }

bool isSpace(char32_t c) {
  return c == U' ' || c == U'\t' || c == 0x0B || c == 0x0C || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
         c == 0x202F || c == 0x205F || c == 0x3000;
}

// Characters that render as nothing: they only hide words from filters.
// ZWJ/ZWNJ stay: emoji sequences and several scripts need them.
bool isInvisible(char32_t c) { return c == 0x200B || c == 0x2060 || c == 0xFEFF || c == 0xAD; }

bool isControl(char32_t c) { return c < 0x20 || (c >= 0x7F && c <= 0x9F); }

// Letters and digits of any script join words; punctuation, symbols, emoji
// and variation selectors separate them.
bool isWordChar(char32_t c) {
  if (c < 0x80) return (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z') || (c >= U'0' && c <= U'9') || c == U'_';
  if (c <= 0xBF || c == 0xD7 || c == 0xF7) return false;
  if (c >= 0x2000 && c <= 0x2BFF) return false;  // punctuation, symbols, arrows, shapes
  if (c >= 0x3000 && c <= 0x303F) return false;  // CJK punctuation
  if (c >= 0xFE00 && c <= 0xFE0F) return false;  // variation selectors
  if (c >= 0x1F000) return false;                // emoji and pictographs
  return !isSpace(c);
}

// Unicode simple case mapping (one code point to one) for every script.
std::u32string lowered(std::u32string s) {
  for (auto& c : s) c = static_cast<char32_t>(Poco::Unicode::toLower(static_cast<int>(c)));
  return s;
}

// Line endings, invisible and control characters, Unicode spaces: the
// cleanup every kind gets. Line breaks come out as '\n', spaces as ' '.
std::u32string clean(const std::u32string& in) {
  std::u32string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char32_t c = in[i];
    if (c == U'\r') {
      if (i + 1 < in.size() && in[i + 1] == U'\n') ++i;
      out.push_back(U'\n');
    } else if (isLineBreak(c)) {
      out.push_back(U'\n');
    } else if (isSpace(c)) {
      out.push_back(U' ');
    } else if (isInvisible(c) || isControl(c)) {
      continue;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::u32string normalizeText(const std::u32string& cleaned, bool collapse, size_t maxBlankLines) {
  std::vector<std::u32string> lines;
  std::u32string line;
  auto flush = [&] {
    if (collapse) {
      std::u32string compact;
      for (char32_t c : line) {
        if (c == U' ' && (compact.empty() || compact.back() == U' ')) continue;
        compact.push_back(c);
      }
      while (!compact.empty() && compact.back() == U' ') compact.pop_back();
      line = std::move(compact);
    } else {
      while (!line.empty() && line.back() == U' ') line.pop_back();
    }
    lines.push_back(std::move(line));
    line.clear();
  };
  for (char32_t c : cleaned) {
    if (c == U'\n') flush();
    else line.push_back(c);
  }
  flush();
  std::u32string out;
  size_t blanks = 0;
  bool started = false;
  for (const auto& l : lines) {
    if (l.empty()) {
      ++blanks;
      continue;
    }
    if (started) {
      out.push_back(U'\n');
      for (size_t i = 0; i < std::min(blanks, maxBlankLines); ++i) out.push_back(U'\n');
    }
    out += l;
    started = true;
    blanks = 0;
  }
  return out;
}

std::u32string trim(const std::u32string& s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == U' ' || s[b] == U'\n')) ++b;
  while (e > b && (s[e - 1] == U' ' || s[e - 1] == U'\n')) --e;
  return s.substr(b, e - b);
}

// Whole-word occurrence of needle (lowercased) in haystack (lowercased).
bool containsWord(const std::u32string& haystack, const std::u32string& needle) {
  if (needle.empty()) return false;
  for (size_t pos = haystack.find(needle); pos != std::u32string::npos; pos = haystack.find(needle, pos + 1)) {
    const bool startOk = pos == 0 || !isWordChar(haystack[pos - 1]) || !isWordChar(needle.front());
    const size_t end = pos + needle.size();
    const bool endOk = end == haystack.size() || !isWordChar(haystack[end]) || !isWordChar(needle.back());
    if (startOk && endOk) return true;
  }
  return false;
}

std::string joined(const std::set<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

size_t positive(const json& v, const std::string& key, bool allowZero = false) {
  if (!v.is_number_integer() || v.get<int64_t>() < (allowZero ? 0 : 1) || v.get<int64_t>() > 100000000) {
    throw std::invalid_argument(key + ": expected an integer from " + (allowZero ? "0" : "1") + " to 100000000, got " +
                                v.dump());
  }
  return v.get<size_t>();
}

std::set<std::string> stringSet(const json& v, const std::string& key) {
  if (!v.is_array()) throw std::invalid_argument(key + ": expected an array of strings");
  std::set<std::string> out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string() || v[i].get<std::string>().empty()) {
      throw std::invalid_argument(key + "[" + std::to_string(i) + "]: expected a non-empty string");
    }
    out.insert(v[i].get<std::string>());
  }
  return out;
}

}  // namespace

bool decodeUtf8(const std::string& in, std::u32string& out) {
  out.clear();
  out.reserve(in.size());
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  const int n = static_cast<int>(in.size());
  for (int i = 0; i < n;) {
    // isLegal refuses overlong forms, surrogates and anything above U+10FFFF.
    const int length = kUtf8.sequenceLength(p + i, n - i);
    if (length <= 0 || length > n - i || !Poco::UTF8Encoding::isLegal(p + i, length)) return false;
    out.push_back(static_cast<char32_t>(kUtf8.convert(p + i)));
    i += length;
  }
  return true;
}

std::string encodeUtf8(const std::u32string& in) {
  std::string out;
  out.reserve(in.size());
  unsigned char bytes[4];
  for (char32_t c : in) {
    const int length = kUtf8.convert(static_cast<int>(c), bytes, sizeof bytes);
    out.append(reinterpret_cast<const char*>(bytes), static_cast<size_t>(length));
  }
  return out;
}

ContentRules::ContentRules(const json& config) {
  maxLength_ = {{"text", 5000}, {"image", 2048}, {"video", 2048}};
  if (auto it = config.find("max_length"); it != config.end()) {
    if (!it->is_object()) throw std::invalid_argument("max_length: expected an object of kind -> characters");
    for (const auto& [kind, value] : it->items()) maxLength_[kind] = positive(value, "max_length." + kind);
  }
  if (auto it = config.find("default_max_length"); it != config.end()) {
    defaultMaxLength_ = positive(*it, "default_max_length");
  }
  if (auto it = config.find("min_length"); it != config.end()) minLength_ = positive(*it, "min_length", true);
  if (auto it = config.find("max_blank_lines"); it != config.end()) {
    maxBlankLines_ = positive(*it, "max_blank_lines", true);
  }
  if (auto it = config.find("collapse_spaces"); it != config.end()) {
    if (!it->is_boolean()) throw std::invalid_argument("collapse_spaces: expected a boolean");
    collapseSpaces_ = it->get<bool>();
  }
  if (auto it = config.find("url_kinds"); it != config.end()) urlKinds_ = stringSet(*it, "url_kinds");
  if (auto it = config.find("url_schemes"); it != config.end()) {
    urlSchemes_.clear();
    for (const auto& s : stringSet(*it, "url_schemes")) {
      std::string lowerScheme;
      for (char ch : s) lowerScheme.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
      urlSchemes_.insert(lowerScheme);
    }
    if (urlSchemes_.empty()) throw std::invalid_argument("url_schemes: list at least one scheme");
  }
  if (auto it = config.find("banned_words"); it != config.end()) {
    for (const auto& word : stringSet(*it, "banned_words")) {
      std::u32string decoded;
      if (!decodeUtf8(word, decoded)) throw std::invalid_argument("banned_words: \"" + word + "\" is not valid UTF-8");
      // Written the way bodies are normalized, so "bad  word" matches "bad word".
      decoded = lowered(trim(normalizeText(clean(decoded), true, 0)));
      if (decoded.empty()) throw std::invalid_argument("banned_words: \"" + word + "\" is only whitespace");
      bannedWords_.emplace_back(word, decoded);
    }
  }
  if (auto it = config.find("banned_patterns"); it != config.end()) {
    if (!it->is_array()) throw std::invalid_argument("banned_patterns: expected an array of regular expressions");
    for (size_t i = 0; i < it->size(); ++i) {
      const json& p = (*it)[i];
      const std::string key = "banned_patterns[" + std::to_string(i) + "]";
      if (!p.is_string() || p.get<std::string>().empty()) throw std::invalid_argument(key + ": expected a non-empty string");
      try {
        auto re = std::make_shared<Poco::RegularExpression>(
            p.get<std::string>(), Poco::RegularExpression::RE_CASELESS | Poco::RegularExpression::RE_UTF8);
        bannedPatterns_.emplace_back(p.get<std::string>(), std::move(re));
      } catch (const Poco::Exception& e) {
        throw std::invalid_argument(key + ": not a valid regular expression: " + e.displayText());
      }
    }
  }
}

size_t ContentRules::maxLength(const std::string& kind) const {
  auto it = maxLength_.find(kind);
  return it == maxLength_.end() ? defaultMaxLength_ : it->second;
}

Verdict ContentRules::evaluate(const std::string& kind, const std::string& body) const {
  Verdict v;
  v.body = body;
  auto reject = [&](std::string reason) {
    v.accepted = false;
    v.body = body;
    v.reason = std::move(reason);
    return v;
  };
  std::u32string text;
  if (!decodeUtf8(body, text)) return reject("not valid UTF-8");
  std::u32string normalized;
  if (isUrlKind(kind)) {
    normalized = trim(clean(text));
    for (char32_t c : normalized) {
      if (c == U' ' || c == U'\n') return reject("kind \"" + kind + "\" needs a single URL, found whitespace inside");
    }
  } else {
    normalized = normalizeText(clean(text), collapseSpaces_, maxBlankLines_);
  }
  v.length = normalized.size();
  if (v.length == 0 || v.length < minLength_) {
    return reject(v.length == 0 ? "empty" : "too short: " + std::to_string(v.length) + " characters, at least " +
                                                std::to_string(minLength_));
  }
  const size_t limit = maxLength(kind);
  if (v.length > limit) {
    return reject("too long: " + std::to_string(v.length) + " characters, at most " + std::to_string(limit) +
                  " for kind \"" + kind + "\"");
  }
  const std::string utf8 = encodeUtf8(normalized);
  if (isUrlKind(kind)) {
    Poco::URI uri;
    try {
      uri = Poco::URI(utf8);
    } catch (const Poco::Exception& e) {
      return reject("not a URL: " + e.message());
    }
    if (uri.getScheme().empty() || !urlSchemes_.count(uri.getScheme())) {
      return reject("URL scheme \"" + uri.getScheme() + "\" is not allowed (allowed: " + joined(urlSchemes_) + ")");
    }
    if (uri.getHost().empty()) return reject("the URL has no host");
    if (!uri.getUserInfo().empty()) return reject("the URL must not carry credentials");
  }
  const std::u32string folded = lowered(normalized);
  for (const auto& [word, needle] : bannedWords_) {
    if (containsWord(folded, needle)) return reject("banned word \"" + word + "\"");
  }
  for (const auto& [pattern, re] : bannedPatterns_) {
    Poco::RegularExpression::Match m;
    // A PCRE error (match limit hit) throws: the caller reports it, since
    // the content is neither known good nor known bad.
    if (re->match(utf8, 0, m) > 0) return reject("matches banned pattern \"" + pattern + "\"");
  }
  v.accepted = true;
  v.body = utf8;
  v.reason.clear();
  return v;
}

}  // namespace wno::content
