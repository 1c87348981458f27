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
  EnqueueMembers members;
  return scanCompactArray<JobRecord>(text, count, [&](CompactJsonScanner& s, JobRecord& out) {
    if (!record(s, members)) return false;
    try {
      out = parseEnqueueMembers(members);
    } catch (const InvalidInput&) {
      return false;  // the generic path names it, in its order of precedence
    }
    return true;
  });
}

}  // namespace wno::jobs
