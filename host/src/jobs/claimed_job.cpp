#include "jobs/claimed_job.h"

#include "data/row_text.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <limits>

namespace wno::host::jobs {
namespace {

using data::RowMember;

// A JSON string value's text: without escapes it is what sits between the
// quotes; with them, the JSON library decodes it.
bool readString(std::string_view value, std::string& out) {
  if (value.size() < 2 || value.front() != '"') return false;
  const std::string_view inner = value.substr(1, value.size() - 2);
  if (inner.find('\\') == std::string_view::npos) {
    out.assign(inner);
    return true;
  }
  auto decoded = nlohmann::json::parse(value, nullptr, false);
  if (!decoded.is_string()) return false;
  out = decoded.get<std::string>();
  return true;
}

template <typename Int>
bool readInt(std::string_view value, Int& out) {
  int64_t n = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || end != value.data() + value.size()) return false;
  if (n < static_cast<int64_t>(std::numeric_limits<Int>::min()) ||
      n > static_cast<int64_t>(std::numeric_limits<Int>::max())) {
    return false;
  }
  out = static_cast<Int>(n);
  return true;
}

bool readNumber(std::string_view value, double& out) {
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  return ec == std::errc() && end == value.data() + value.size();
}

bool readBackoff(std::string_view value, Backoff& out) {
  if (value == "null") return true;
  bool typed = true;
  const bool object = data::forEachMember(value, [&](const RowMember& m) {
    if (m.key == "type") {
      std::string kind;
      typed = readString(m.value, kind);
      out.kind = kind == "fixed" ? Backoff::Kind::Fixed : Backoff::Kind::Exponential;
    } else if (m.key == "delay_ms") {
      typed = readInt(m.value, out.delayMs);
    } else if (m.key == "jitter") {
      typed = readNumber(m.value, out.jitter);
    }
    return typed;
  });
  return object && typed;
}

// The scan stops at 64 levels of nesting; a store may hold deeper `data`
// (a plugin's enqueue has no depth limit), and a worker must still be able
// to run it, so such a record is read through a document instead.
std::optional<ClaimedJob> readThroughDocument(std::string_view record, std::string& error) {
  const auto doc = nlohmann::json::parse(record, nullptr, false);
  if (!doc.is_object()) {
    error = "not a JSON object";
    return std::nullopt;
  }
  try {
    ClaimedJob job;
    job.id = doc.value("id", "");
    if (job.id.empty()) {
      error = "no \"id\"";
      return std::nullopt;
    }
    job.type = doc.value("type", "");
    job.queue = doc.value("queue", "");
    job.priority = doc.value("priority", job.priority);
    job.runAtMs = doc.value("run_at_ms", job.runAtMs);
    if (auto it = doc.find("started_at_ms"); it != doc.end() && it->is_number_integer()) job.claimedAtMs = it->get<int64_t>();
    job.timeoutMs = doc.value("timeout_ms", job.timeoutMs);
    job.attemptsMade = doc.value("attempts_made", job.attemptsMade);
    job.maxAttempts = doc.value("max_attempts", job.maxAttempts);
    if (auto it = doc.find("data"); it != doc.end()) job.dataJson = it->dump();
    if (auto it = doc.find("backoff"); it != doc.end() && it->is_object()) {
      job.backoff.kind = it->value("type", "exponential") == "fixed" ? Backoff::Kind::Fixed : Backoff::Kind::Exponential;
      job.backoff.delayMs = it->value("delay_ms", job.backoff.delayMs);
      job.backoff.jitter = it->value("jitter", job.backoff.jitter);
    }
    return job;
  } catch (const nlohmann::json::exception& e) {
    error = std::string("a member has the wrong type: ") + e.what();
    return std::nullopt;
  }
}

}  // namespace

std::optional<ClaimedJob> readClaimedJob(std::string_view record, std::string& error) {
  ClaimedJob job;
  bool hasId = false;
  std::string_view bad;
  const bool object = data::forEachMember(record, [&](const RowMember& m) {
    bool ok = true;
    const std::string_view k = m.key;
    if (k == "id") ok = hasId = readString(m.value, job.id);
    else if (k == "type") ok = readString(m.value, job.type);
    else if (k == "queue") ok = readString(m.value, job.queue);
    else if (k == "priority") ok = readInt(m.value, job.priority);
    else if (k == "run_at_ms") ok = readInt(m.value, job.runAtMs);
    else if (k == "started_at_ms") {
      int64_t at = 0;
      if (m.value != "null") {
        ok = readInt(m.value, at);
        job.claimedAtMs = at;
      }
    } else if (k == "timeout_ms") ok = readInt(m.value, job.timeoutMs);
    else if (k == "attempts_made") ok = readInt(m.value, job.attemptsMade);
    else if (k == "max_attempts") ok = readInt(m.value, job.maxAttempts);
    else if (k == "data") job.dataJson.assign(m.value);
    else if (k == "backoff") ok = readBackoff(m.value, job.backoff);
    if (!ok) bad = k;
    return ok;
  });
  if (!bad.empty()) {
    error = "member \"" + std::string(bad) + "\" has the wrong type";
    return std::nullopt;
  }
  if (!object) return readThroughDocument(record, error);
  if (!hasId || job.id.empty()) {
    error = "no \"id\"";
    return std::nullopt;
  }
  return job;
}

}  // namespace wno::host::jobs
