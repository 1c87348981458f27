#include "jobs/compact_json_scanner.h"

#include <charconv>
#include <system_error>
#include <vector>

namespace wno::jobs {
namespace {

constexpr int kMaxDepth = 64;    // deeper values: the generic path
constexpr size_t kMaxKeys = 64;  // per object, checked for duplicates pairwise

}  // namespace

std::optional<std::string_view> CompactJsonScanner::string() {
  if (!eat('"')) return std::nullopt;
  const size_t start = i_;
  for (; i_ < s_.size(); ++i_) {
    const auto c = static_cast<unsigned char>(s_[i_]);
    if (c == '"') return s_.substr(start, i_++ - start);
    if (c < 0x20 || c >= 0x7f || c == '\\') return std::nullopt;
  }
  return std::nullopt;
}

bool CompactJsonScanner::digitsFollow() {
  const size_t start = i_;
  while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
  return i_ > start;
}

bool CompactJsonScanner::number(nlohmann::json& out, bool fractions) {
  const size_t start = i_;
  const bool negative = eat('-');
  const size_t first = i_;
  if (!digitsFollow()) return false;
  const size_t digits = i_ - first;
  if (digits > 18 || (digits > 1 && s_[first] == '0')) return false;
  int64_t n = 0;
  for (size_t k = first; k < i_; ++k) n = n * 10 + (s_[k] - '0');
  const char next = peek();
  if (next != '.' && next != 'e' && next != 'E') {
    if (negative && n == 0) return false;
    // Non-negative integers parse as unsigned, as nlohmann's parser reads them.
    out = negative ? nlohmann::json(-n) : nlohmann::json(static_cast<uint64_t>(n));
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

bool CompactJsonScanner::integer(int64_t& n) {
  nlohmann::json v;
  if (!number(v, /*fractions=*/false)) return false;
  n = v.get<int64_t>();
  return true;
}

bool CompactJsonScanner::literal(std::string_view word) {
  if (s_.substr(i_, word.size()) != word) return false;
  i_ += word.size();
  return true;
}

bool CompactJsonScanner::scalar(nlohmann::json& out, bool fractions) {
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

bool CompactJsonScanner::value(int depth, bool sortedKeys) {
  if (depth > kMaxDepth) return false;
  if (eat('[')) {
    if (eat(']')) return true;
    do {
      if (!value(depth + 1, sortedKeys)) return false;
    } while (eat(','));
    return eat(']');
  }
  if (eat('{')) {
    if (eat('}')) return true;
    std::vector<std::string_view> keys;
    do {
      auto key = string();
      if (!key || !eat(':') || keys.size() == kMaxKeys) return false;
      if (sortedKeys && !keys.empty() && !(keys.back() < *key)) return false;
      for (const auto seen : keys) {
        if (seen == *key) return false;
      }
      keys.push_back(*key);
      if (!value(depth + 1, sortedKeys)) return false;
    } while (eat(','));
    return eat('}');
  }
  nlohmann::json ignored;
  return scalar(ignored, /*fractions=*/false);
}

}  // namespace wno::jobs
