#include "jobs/finish_batch_scan.h"

#include "jobs/compact_json_scanner.h"

#include <bitset>

namespace wno::jobs {
namespace {

enum Member { kId, kNowMs, kOutcome, kResult, kError, kRetryAtMs, kMembers };

int memberIndex(std::string_view key) {
  if (key == "id") return kId;
  if (key == "now_ms") return kNowMs;
  if (key == "outcome") return kOutcome;
  if (key == "result") return kResult;
  if (key == "error") return kError;
  if (key == "retry_at_ms") return kRetryAtMs;
  return -1;
}

// One item; false gives up on the batch. Members the outcome does not use
// are read and dropped, as the generic path drops them.
bool item(CompactJsonScanner& s, FinishItem& f) {
  if (!s.eat('{')) return false;
  std::bitset<kMembers> seen;
  std::string_view outcome, error;
  int64_t retryAtMs = 0;
  std::optional<std::string_view> result;
  if (!s.eat('}')) {
    do {
      const auto key = s.string();
      if (!key || !s.eat(':')) return false;
      const int index = memberIndex(*key);
      if (index < 0 || seen.test(static_cast<size_t>(index))) return false;
      seen.set(static_cast<size_t>(index));
      std::optional<std::string_view> text;
      switch (index) {
        case kId:
          if (!(text = s.string())) return false;
          f.id = std::string(*text);
          break;
        case kNowMs:
          if (!s.integer(f.nowMs)) return false;
          break;
        case kOutcome:
          if (!(text = s.string())) return false;
          outcome = *text;
          break;
        case kResult: {
          const size_t start = s.at();
          if (!s.value(0, /*sortedKeys=*/true)) return false;
          result = s.since(start);
          break;
        }
        case kError:
          if (!(text = s.string())) return false;
          error = *text;
          break;
        case kRetryAtMs:
          if (!s.integer(retryAtMs)) return false;
          break;
      }
    } while (s.eat(','));
    if (!s.eat('}')) return false;
  }
  if (f.id.empty() || !seen.test(kNowMs)) return false;
  if (outcome == "complete") {
    f.kind = FinishItem::Kind::Complete;
    if (result && *result != "null") f.resultJson = std::string(*result);
    return true;
  }
  if (!seen.test(kError)) return false;
  f.error = std::string(error);
  if (outcome == "release") {
    f.kind = FinishItem::Kind::Release;
    return true;
  }
  if (outcome != "fail" || !seen.test(kRetryAtMs)) return false;
  f.kind = FinishItem::Kind::Fail;
  f.retryAtMs = retryAtMs;
  return true;
}

}  // namespace

std::optional<std::vector<FinishItem>> scanCompactFinishes(std::string_view text, size_t count) {
  return scanCompactArray<FinishItem>(text, count, item);
}

}  // namespace wno::jobs
