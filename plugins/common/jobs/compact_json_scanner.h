// The reading primitives of the batch hooks' fast paths (enqueue_batch_scan.h,
// finish_batch_scan.h): JSON written the way a host writes it, compact (no
// whitespace), strings of printable ASCII without escapes, integers only
// inside values, no duplicate keys. Such text reads the same through any
// JSON parser; every method answers false (or nullopt) on anything else, and
// the caller then gives the whole batch to its generic reader, so what is
// accepted and every refusal stay those of the generic path.
// THREADS: one scanner per text, on one thread.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace wno::jobs {

class CompactJsonScanner {
 public:
  explicit CompactJsonScanner(std::string_view text) : s_(text) {}

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
  std::optional<std::string_view> string();
  // A JSON number as the parser holds it: an integer
  // (-?(0|[1-9][0-9]{0,17}); not -0, which a parser reads as 0; 18 digits
  // fit an int64_t) or, where `fractions` allows, one with a fraction or an
  // exponent (a correctly rounded double).
  bool number(nlohmann::json& out, bool fractions);
  // An integer only, as above.
  bool integer(int64_t& n);
  bool literal(std::string_view word);
  // A scalar as the generic parser would hold it.
  bool scalar(nlohmann::json& out, bool fractions = true);
  // Any value, skipped: integers only (a fraction's text may differ from
  // how the parser writes the number out: 1e2 becomes 100.0), objects
  // without duplicate keys (the parser keeps only the last of them), and,
  // with `sortedKeys`, each object's keys in ascending order (as a parsed
  // document writes them out).
  bool value(int depth, bool sortedKeys = false);

 private:
  bool digitsFollow();

  std::string_view s_;
  size_t i_ = 0;
};

// A batch array of exactly `count` items, each read by read(scanner, item)
// (false gives up), and nothing after it; nullopt when anything is off.
template <typename Item, typename Read>
std::optional<std::vector<Item>> scanCompactArray(std::string_view text, size_t count, Read&& read) {
  CompactJsonScanner s(text);
  if (!s.eat('[')) return std::nullopt;
  std::vector<Item> out;
  out.reserve(count);
  if (!s.eat(']')) {
    do {
      if (out.size() == count || !read(s, out.emplace_back())) return std::nullopt;
    } while (s.eat(','));
    if (!s.eat(']')) return std::nullopt;
  }
  if (!s.atEnd() || out.size() != count) return std::nullopt;
  return out;
}

}  // namespace wno::jobs
