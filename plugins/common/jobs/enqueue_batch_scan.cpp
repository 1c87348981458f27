#include "jobs/enqueue_batch_scan.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <system_error>

namespace wno::jobs {
namespace {

using nlohmann::json;

constexpr int kMaxDepth = 64;     // deeper data: the generic path
constexpr size_t kMaxKeys = 64;   // per object of data, checked for duplicates pairwise

class Scanner {
 public:
  explicit Scanner(std::string_view text) : s_(text) {}

  bool atEnd() const { return i_ == s_.size(); }
  bool eat(char c) {
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  size_t at() const { return i_; }
  std::string_view since(size_t start) const { return s_.substr(start, i_ - start); }

  // "..." of printable ASCII without escapes: the characters between the quotes.
  std::optional<std::string_view> string() {
    if (!eat('"')) return std::nullopt;
    const size_t start = i_;
    for (; i_ < s_.size(); ++i_) {
      const auto c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') return s_.substr(start, i_++ - start);
      if (c < 0x20 || c >= 0x7f || c == '\\') return std::nullopt;
    }
    return std::nullopt;
  }

  // A JSON number: an integer (-?(0|[1-9][0-9]{0,17}); not -0, which a
  // parser reads as 0) or, where `fractions` allows, one with a fraction or
  // an exponent, read as the parser reads it (a correctly rounded double).
  // Data takes integers only: a fraction's text may differ from how the
  // parser writes the number out (1e2 becomes 100.0).
  bool number(json& out, bool fractions) {
    const size_t start = i_;
    const bool negative = eat('-');
    const size_t first = i_;
    if (!digitsFollow()) return false;
    const size_t digits = i_ - first;
    if (digits > 18 || (digits > 1 && s_[first] == '0')) return false;  // 18 digits fit an int64_t
    int64_t n = 0;
    for (size_t k = first; k < i_; ++k) n = n * 10 + (s_[k] - '0');
    const char next = peek();
    if (next != '.' && next != 'e' && next != 'E') {
      if (negative && n == 0) return false;
      // Non-negative integers parse as unsigned, as nlohmann's parser reads them.
      out = negative ? json(-n) : json(static_cast<uint64_t>(n));
      return true;
    }
    if (!fractions) return false;
    if (eat('.') && !digitsFollow()) return false;
    if (eat('e') || eat('E')) {
      if (!eat('+')) eat('-');
      if (!digitsFollow()) return false;
    }
    double d = 0;
    const auto [end, error] = std::from_chars(s_.data() + start, s_.data() + i_, d);
    if (error != std::errc() || end != s_.data() + i_) return false;
    out = d;
    return true;
  }

  bool digitsFollow() {
    const size_t start = i_;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
    return i_ > start;
  }

  bool literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }

  // A scalar as the generic parser would hold it.
  bool scalar(json& out, bool fractions = true) {
    const char c = peek();
    if (c == '"') {
      auto text = string();
      if (!text) return false;
      out = std::string(*text);
      return true;
    }
    if (c == '-' || (c >= '0' && c <= '9')) return number(out, fractions);
    if (literal("null")) {
      out = nullptr;
      return true;
    }
    if (literal("true")) {
      out = true;
      return true;
    }
    if (literal("false")) {
      out = false;
      return true;
    }
    return false;
  }

  // Any value in the compact form, skipped; objects without duplicate keys
  // (the generic path keeps only the last of them).
  bool value(int depth) {
    if (depth > kMaxDepth) return false;
    if (eat('[')) {
      if (eat(']')) return true;
      do {
        if (!value(depth + 1)) return false;
      } while (eat(','));
      return eat(']');
    }
    if (eat('{')) {
      if (eat('}')) return true;
      std::vector<std::string_view> keys;
      do {
        auto key = string();
        if (!key || !eat(':') || keys.size() == kMaxKeys) return false;
        for (const auto seen : keys) {
          if (seen == *key) return false;
        }
        keys.push_back(*key);
        if (!value(depth + 1)) return false;
      } while (eat(','));
      return eat('}');
    }
    json ignored;
    return scalar(ignored, /*fractions=*/false);
  }

  // backoff's object: scalar members only.
  bool backoff(json& out) {
    if (!eat('{')) return false;
    out = json::object();
    if (eat('}')) return true;
    do {
      auto key = string();
      json member;
      if (!key || !eat(':') || !scalar(member)) return false;
      out[std::string(*key)] = std::move(member);
    } while (eat(','));
    return eat('}');
  }

  // One record's members; false gives up on the batch.
  bool record(EnqueueMembers& m) {
    if (!eat('{')) return false;
    m.clear();
    if (eat('}')) return true;
    do {
      auto key = string();
      if (!key || !eat(':')) return false;
      if (*key == "data") {
        const size_t start = at();
        if (!value(0)) return false;
        m.dataJson = std::string(since(start));
        continue;
      }
      const int index = EnqueueMembers::indexOf(*key);
      if (index < 0) return false;  // a member the checks do not know: the generic path ignores it
      json v;
      if (!(index == EnqueueMembers::kBackoff && peek() == '{' ? backoff(v) : scalar(v))) return false;
      m.values[static_cast<size_t>(index)] = std::move(v);
      m.present.set(static_cast<size_t>(index));
    } while (eat(','));
    return eat('}');
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

std::optional<std::vector<JobRecord>> scanCompactBatch(std::string_view text, size_t count) {
  Scanner s(text);
  if (!s.eat('[')) return std::nullopt;
  std::vector<JobRecord> out;
  out.reserve(count);
  EnqueueMembers members;
  if (!s.eat(']')) {
    do {
      if (out.size() == count || !s.record(members)) return std::nullopt;
      try {
        out.push_back(parseEnqueueMembers(members));
      } catch (const InvalidInput&) {
        return std::nullopt;  // the generic path names it, in its order of precedence
      }
    } while (s.eat(','));
    if (!s.eat(']')) return std::nullopt;
  }
  if (!s.atEnd() || out.size() != count) return std::nullopt;
  return out;
}

}  // namespace wno::jobs
