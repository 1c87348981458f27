#include "config/key_suggestion.h"

#include <algorithm>
#include <cctype>

namespace wno::config {

size_t editDistance(const std::string& a, const std::string& b) {
  // Three rows suffice: a swap looks two rows back.
  std::vector<size_t> twoBack(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) cur[j] = std::min(cur[j], twoBack[j - 2] + 1);
    }
    twoBack.swap(prev);
    prev.swap(cur);
  }
  return prev[b.size()];
}

std::optional<std::string> closestKey(const std::string& unknown, const std::vector<std::string>& known) {
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  // Short keys get less slack: two edits turn "ip" into almost anything.
  const size_t limit = std::clamp<size_t>(unknown.size() / 3, 1, 3);
  std::optional<std::string> best;
  size_t bestDistance = limit + 1;
  for (const auto& candidate : known) {
    const size_t d = editDistance(lower(unknown), lower(candidate));
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return best;
}

}  // namespace wno::config
