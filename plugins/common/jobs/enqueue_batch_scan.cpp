#include "jobs/enqueue_batch_scan.h"

#include "jobs/compact_json_scanner.h"

#include <nlohmann/json.hpp>

namespace wno::jobs {
namespace {

using nlohmann::json;

// backoff's object: scalar members only.
bool backoff(CompactJsonScanner& s, json& out) {
  if (!s.eat('{')) return false;
  out = json::object();
  if (s.eat('}')) return true;
  do {
    auto key = s.string();
    json member;
    if (!key || !s.eat(':') || !s.scalar(member)) return false;
    out[std::string(*key)] = std::move(member);
  } while (s.eat(','));
  return s.eat('}');
}

// One record's members; false gives up on the batch.
bool record(CompactJsonScanner& s, EnqueueMembers& m) {
  if (!s.eat('{')) return false;
  m.clear();
  if (s.eat('}')) return true;
  do {
    auto key = s.string();
    if (!key || !s.eat(':')) return false;
    if (*key == "data") {
      const size_t start = s.at();
      if (!s.value(0)) return false;
      m.dataJson = std::string(s.since(start));
      continue;
    }
    const int index = EnqueueMembers::indexOf(*key);
    if (index < 0) return false;  // a member the checks do not know: the generic path ignores it
    json v;
    if (!(index == EnqueueMembers::kBackoff && s.peek() == '{' ? backoff(s, v) : s.scalar(v))) return false;
    m.values[static_cast<size_t>(index)] = std::move(v);
    m.present.set(static_cast<size_t>(index));
  } while (s.eat(','));
  return s.eat('}');
}

}  // namespace

std::optional<std::vector<JobRecord>> scanCompactBatch(std::string_view text, size_t count) {
  CompactJsonScanner s(text);
  if (!s.eat('[')) return std::nullopt;
  std::vector<JobRecord> out;
  out.reserve(count);
  EnqueueMembers members;
  if (!s.eat(']')) {
    do {
      if (out.size() == count || !record(s, members)) return std::nullopt;
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
