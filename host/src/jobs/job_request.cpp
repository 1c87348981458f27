#include "jobs/job_request.h"

#include "common/json_string.h"
#include "core/utc_time.h"
#include "jobs/job_data_schema.h"

#include <cctype>
#include <random>
#include <set>

namespace wno::host::jobs {
namespace {

using nlohmann::json;

constexpr int64_t kMaxDelayMs = 366LL * 24 * 3600 * 1000;  // a year: anything later is a mistake
constexpr uint32_t kMaxAttempts = 1000;
constexpr size_t kMaxJobIdLength = 200;

bool fail(RequestError& error, std::string parameter, std::string message) {
  error.parameter = std::move(parameter);
  error.message = std::move(message);
  return false;
}

// An integer member in [min, max]; absent leaves out untouched.
bool readInteger(const json& object, const char* name, const std::string& parameter, int64_t min, int64_t max,
                 int64_t& out, RequestError& error) {
  auto it = object.find(name);
  if (it == object.end()) return true;
  if (!it->is_number_integer()) return fail(error, parameter, "must be an integer");
  const int64_t value = it->is_number_unsigned() && it->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)
                            ? INT64_MAX
                            : it->get<int64_t>();
  if (value < min || value > max) {
    return fail(error, parameter, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  out = value;
  return true;
}

bool readBackoff(const json& request, Backoff& backoff, RequestError& error) {
  auto it = request.find("backoff");
  if (it == request.end()) return true;
  if (!it->is_object()) return fail(error, "backoff", "must be an object {\"type\",\"delay_ms\",\"jitter\"}");
  static const std::set<std::string> known = {"type", "delay_ms", "jitter"};
  for (const auto& [key, value] : it->items()) {
    if (!known.count(key)) return fail(error, "backoff." + key, "unknown member (known: type, delay_ms, jitter)");
  }
  if (auto type = it->find("type"); type != it->end()) {
    if (*type == "fixed") backoff.kind = Backoff::Kind::Fixed;
    else if (*type == "exponential") backoff.kind = Backoff::Kind::Exponential;
    else return fail(error, "backoff.type", "must be \"fixed\" or \"exponential\"");
  }
  if (!readInteger(*it, "delay_ms", "backoff.delay_ms", 0, kMaxDelayMs, backoff.delayMs, error)) return false;
  if (auto jitter = it->find("jitter"); jitter != it->end()) {
    if (!jitter->is_number() || jitter->get<double>() < 0 || jitter->get<double>() > 1) {
      return fail(error, "backoff.jitter", "must be a number from 0 to 1");
    }
    backoff.jitter = jitter->get<double>();
  }
  return true;
}

json timeOrNull(const json& record, const char* key) {
  auto it = record.find(key);
  if (it == record.end() || !it->is_number()) return nullptr;
  return utcFromMs(it->get<int64_t>());
}

}  // namespace

bool validJobId(const std::string& id) {
  if (id.empty() || id.size() > kMaxJobIdLength) return false;
  for (unsigned char c : id) {
    if (!std::isalnum(c) && c != '.' && c != '_' && c != ':' && c != '@' && c != '-') return false;
  }
  return true;
}

std::string newJobId() {
  // Time first, as UUIDv7 does: 12 hex digits of Unix ms, then 20 random
  // (80 bits; collisions need two ids in one millisecond to share them).
  // Ids made close together sort close together, so a store's primary key
  // takes new jobs at its right edge instead of dirtying a random page per
  // insert, and jobs claimed together are looked up on the same few pages.
  thread_local std::mt19937_64 random{std::random_device{}() ^ (static_cast<uint64_t>(std::random_device{}()) << 32)};
  static const char* hex = "0123456789abcdef";
  std::string id(32, '0');
  const auto ms = static_cast<uint64_t>(unixNowMs());
  for (int i = 0; i < 12; ++i) id[static_cast<size_t>(i)] = hex[(ms >> (4 * (11 - i))) & 15];
  uint64_t bits = random();
  for (int i = 12; i < 28; ++i, bits >>= 4) id[static_cast<size_t>(i)] = hex[bits & 15];
  bits = random();
  for (int i = 28; i < 32; ++i, bits >>= 4) id[static_cast<size_t>(i)] = hex[bits & 15];
  return id;
}

namespace {

// The request is an object of known members, and its type has a handler.
const JobTypeConfig* requestedType(const json& request, const JobsConfig& config, RequestError& error) {
  if (!request.is_object()) {
    fail(error, "body", "must be a JSON object with at least \"type\"");
    return nullptr;
  }
  static const std::set<std::string> known = {"type",   "data",     "priority", "attempts", "backoff",
                                              "job_id", "delay_ms", "queue",    "timeout_ms"};
  for (const auto& [key, value] : request.items()) {
    if (!known.count(key)) {
      fail(error, key,
           "unknown member (known: type, data, priority, attempts, backoff, job_id, delay_ms, queue, timeout_ms)");
      return nullptr;
    }
  }
  auto type = request.find("type");
  if (type == request.end() || !type->is_string() || type->get<std::string>().empty()) {
    fail(error, "type", "is required: a job type name");
    return nullptr;
  }
  auto typeConfig = config.types.find(type->get<std::string>());
  if (typeConfig == config.types.end()) {
    std::string known;
    for (const auto& [name, t] : config.types) known += (known.empty() ? "" : ", ") + name;
    fail(error, "type", "no handler for job type \"" + type->get<std::string>() + "\" (known: " +
                            (known.empty() ? "none" : known) + ")");
    return nullptr;
  }
  return &typeConfig->second;
}

// "queue": a configured queue; absent leaves the type's.
bool readQueue(const json& request, const JobsConfig& config, std::string& queue, RequestError& error) {
  auto q = request.find("queue");
  if (q == request.end()) return true;
  if (!q->is_string() || !config.queues.count(q->get<std::string>())) {
    std::string known;
    for (const auto& [name, qc] : config.queues) known += (known.empty() ? "" : ", ") + name;
    return fail(error, "queue", "must name a configured queue (" + known + ")");
  }
  queue = q->get<std::string>();
  return true;
}

// "job_id": the caller's idempotency key, or a new id.
bool readJobId(const json& request, std::string& id, RequestError& error) {
  auto j = request.find("job_id");
  if (j == request.end()) {
    id = newJobId();
    return true;
  }
  if (!j->is_string() || !validJobId(j->get<std::string>())) {
    return fail(error, "job_id", "must be 1 to 200 characters of letters, digits and . _ : @ -");
  }
  id = j->get<std::string>();
  return true;
}

}  // namespace

std::optional<NewJob> newJobFromRequest(const json& request, const JobsConfig& config, int64_t nowMs,
                                        RequestError& error) {
  const JobTypeConfig* type = requestedType(request, config, error);
  if (type == nullptr) return std::nullopt;
  const JobTypeConfig& t = *type;

  NewJob job;
  job.type = t.type;
  job.priority = config.defaultPriority;
  if (auto p = request.find("priority"); p != request.end()) {
    auto parsed = p->is_string() ? parsePriority(p->get_ref<const std::string&>()) : std::nullopt;
    if (!parsed) {
      fail(error, "priority", "must be one of \"critical\", \"high\", \"normal\", \"low\"");
      return std::nullopt;
    }
    job.priority = *parsed;
  }
  job.maxAttempts = t.attempts;
  if (!readInteger(request, "attempts", "attempts", 1, kMaxAttempts, job.maxAttempts, error)) return std::nullopt;
  job.backoff = t.backoff;
  if (!readBackoff(request, job.backoff, error)) return std::nullopt;
  int64_t delayMs = 0;
  if (!readInteger(request, "delay_ms", "delay_ms", 0, kMaxDelayMs, delayMs, error)) return std::nullopt;
  job.timeoutMs = t.timeoutMs;
  if (!readInteger(request, "timeout_ms", "timeout_ms", 0, kMaxDelayMs, job.timeoutMs, error)) return std::nullopt;
  job.queue = t.queue;
  if (!readQueue(request, config, job.queue, error)) return std::nullopt;
  if (!readJobId(request, job.id, error)) return std::nullopt;
  if (auto data = request.find("data"); data != request.end()) job.data = *data;
  if (t.dataSchema && !t.dataSchema->check(job.data, error)) return std::nullopt;
  job.runAtMs = nowMs + delayMs;
  job.createdAtMs = nowMs;
  return job;
}

std::optional<json> jobRecordFromRequest(const json& request, const JobsConfig& config, int64_t nowMs,
                                         RequestError& error) {
  auto job = newJobFromRequest(request, config, nowMs, error);
  if (!job) return std::nullopt;
  return job->record();
}

std::string NewJob::recordJson() const {
  using common::appendJsonString;
  std::string out;
  out.reserve(400 + id.size());
  out += "{\"id\":";
  appendJsonString(out, id);
  out += ",\"type\":";
  appendJsonString(out, type);
  out += ",\"queue\":";
  appendJsonString(out, queue);
  out += ",\"priority\":";
  out += std::to_string(priority);
  out += ",\"data\":";
  out += data.dump();
  out += ",\"state\":\"waiting\",\"attempts_made\":0,\"max_attempts\":";
  out += std::to_string(maxAttempts);
  out += ",\"backoff\":{\"type\":\"";
  out += backoffKindName(backoff.kind);
  out += "\",\"delay_ms\":";
  out += std::to_string(backoff.delayMs);
  out += ",\"jitter\":";
  out += json(backoff.jitter).dump();
  out += "},\"timeout_ms\":";
  out += std::to_string(timeoutMs);
  out += ",\"run_at_ms\":";
  out += std::to_string(runAtMs);
  out += ",\"created_at_ms\":";
  out += std::to_string(createdAtMs);
  out += ",\"started_at_ms\":null,\"finished_at_ms\":null,\"lease_owner\":null,\"lease_expires_at_ms\":null,"
         "\"last_error\":null,\"result\":null,\"cancel_requested\":false}";
  return out;
}

json NewJob::record() const {
  return json{{"id", id},
              {"type", type},
              {"queue", queue},
              {"priority", priority},
              {"data", data},
              {"state", "waiting"},
              {"attempts_made", 0},
              {"max_attempts", maxAttempts},
              {"backoff", {{"type", backoffKindName(backoff.kind)}, {"delay_ms", backoff.delayMs}, {"jitter", backoff.jitter}}},
              {"timeout_ms", timeoutMs},
              {"run_at_ms", runAtMs},
              {"created_at_ms", createdAtMs},
              {"started_at_ms", nullptr},
              {"finished_at_ms", nullptr},
              {"lease_owner", nullptr},
              {"lease_expires_at_ms", nullptr},
              {"last_error", nullptr},
              {"result", nullptr},
              {"cancel_requested", false}};
}

json publicJobView(const json& record) {
  json view = {{"id", record.value("id", "")},
               {"type", record.value("type", "")},
               {"queue", record.value("queue", "")},
               {"priority", priorityName(record.value("priority", static_cast<int>(Normal)))},
               {"state", record.value("state", "")},
               {"data", record.value("data", json(nullptr))},
               {"attempts_made", record.value("attempts_made", 0)},
               {"max_attempts", record.value("max_attempts", 0)},
               {"backoff", record.value("backoff", json(nullptr))},
               {"timeout_ms", record.value("timeout_ms", int64_t{0})},
               {"created_at", timeOrNull(record, "created_at_ms")},
               {"run_at", timeOrNull(record, "run_at_ms")},
               {"started_at", timeOrNull(record, "started_at_ms")},
               {"finished_at", timeOrNull(record, "finished_at_ms")},
               {"lease_owner", record.value("lease_owner", json(nullptr))},
               {"lease_expires_at", timeOrNull(record, "lease_expires_at_ms")},
               {"last_error", record.value("last_error", json(nullptr))},
               {"result", record.value("result", json(nullptr))},
               {"cancel_requested", record.value("cancel_requested", false)}};
  const auto started = record.find("started_at_ms");
  const auto runAt = record.find("run_at_ms");
  const auto finished = record.find("finished_at_ms");
  const bool hasStart = started != record.end() && started->is_number();
  view["wait_ms"] = hasStart && runAt != record.end() && runAt->is_number()
                        ? json(std::max<int64_t>(0, started->get<int64_t>() - runAt->get<int64_t>()))
                        : json(nullptr);
  view["run_ms"] = hasStart && finished != record.end() && finished->is_number()
                       ? json(std::max<int64_t>(0, finished->get<int64_t>() - started->get<int64_t>()))
                       : json(nullptr);
  return view;
}

}  // namespace wno::host::jobs
