#include "jobs/job_record.h"

#include "common/json_string.h"

#include <nlohmann/json.hpp>

#include <limits>

namespace wno::jobs {
namespace {

using nlohmann::json;

template <typename Json = json>
Json parseObject(std::string_view text, const char* what) {
  Json value = Json::parse(text.begin(), text.end(), nullptr, false);
  if (value.is_discarded()) throw InvalidInput(std::string(what) + " is not valid JSON");
  if (!value.is_object()) throw InvalidInput(std::string(what) + " must be a JSON object");
  return value;
}

// The readers below take either document type: json (std::map objects)
// for single records, ordered_json (one vector per object, a tenth of the
// allocations) for the thousands of records of a batch.
template <typename Json>
const Json* field(const Json& object, const char* name) {
  auto it = object.find(name);
  return it == object.end() ? nullptr : &*it;
}

// A record read by a streaming reader (enqueue_batch_scan.h, enqueue_batch_reader.h):
// its members are found here.
const json* field(const EnqueueMembers& record, const char* name) { return record.find(name); }

template <typename Object>
const auto& required(const Object& object, const char* name) {
  const auto* v = field(object, name);
  if (v == nullptr) throw InvalidInput(std::string("missing field \"") + name + "\"");
  return *v;
}

template <typename Json>
std::optional<std::string> dataText(const Json& record) {
  const Json* data = field(record, "data");
  return data ? std::optional<std::string>(data->dump()) : std::nullopt;
}
const std::optional<std::string>& dataText(const EnqueueMembers& record) { return record.dataJson; }

template <typename Json>
std::string text(const Json& v, const char* name) {
  if (!v.is_string()) throw InvalidInput(std::string(name) + ": expected a string");
  std::string s = v.template get<std::string>();
  if (s.empty()) throw InvalidInput(std::string(name) + ": must not be empty");
  return s;
}

template <typename Json>
int64_t integer(const Json& v, const char* name, int64_t min, int64_t max = std::numeric_limits<int64_t>::max()) {
  // Written only for a refusal: this runs for every field of every record.
  auto range = [&] {
    return min == 0 && max == std::numeric_limits<int64_t>::max()
               ? std::string("a non-negative integer")
               : "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  };
  if (!v.is_number_integer()) throw InvalidInput(std::string(name) + ": expected " + range());
  if (v.is_number_unsigned() && v.template get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    throw InvalidInput(std::string(name) + ": expected " + range());
  }
  const int64_t n = v.template get<int64_t>();
  if (n < min || n > max) throw InvalidInput(std::string(name) + ": expected " + range() + ", got " + std::to_string(n));
  return n;
}

// Fields a new job cannot carry yet: absent or null only.
template <typename Object>
void requireNull(const Object& object, const char* name) {
  const auto* v = field(object, name);
  if (v != nullptr && !v->is_null()) throw InvalidInput(std::string(name) + ": must be null for a new job");
}

template <typename Json>
Backoff parseBackoff(const Json& v) {
  Backoff b;
  if (v.is_null()) return b;
  if (!v.is_object()) throw InvalidInput("backoff: expected an object {\"type\",\"delay_ms\",\"jitter\"}");
  if (const Json* type = field(v, "type")) {
    if (!type->is_string() || (*type != "fixed" && *type != "exponential")) {
      throw InvalidInput("backoff.type: expected \"fixed\" or \"exponential\"");
    }
    b.type = type->template get<std::string>();
  }
  if (const Json* delay = field(v, "delay_ms")) b.delayMs = integer(*delay, "backoff.delay_ms", 0);
  if (const Json* jitter = field(v, "jitter")) {
    if (!jitter->is_number() || jitter->template get<double>() < 0 || jitter->template get<double>() > 1) {
      throw InvalidInput("backoff.jitter: expected a number from 0 to 1");
    }
    b.jitter = jitter->template get<double>();
  }
  return b;
}

template <typename Object>
JobRecord enqueueRecord(const Object& in) {
  if (!in.is_object()) throw InvalidInput("job must be a JSON object");
  JobRecord job;
  job.id = text(required(in, "id"), "id");
  job.type = text(required(in, "type"), "type");
  job.queue = text(required(in, "queue"), "queue");
  job.priority = static_cast<int32_t>(integer(required(in, "priority"), "priority", 0, 3));
  job.maxAttempts = integer(required(in, "max_attempts"), "max_attempts", 1);
  job.runAtMs = integer(required(in, "run_at_ms"), "run_at_ms", 0);
  job.createdAtMs = integer(required(in, "created_at_ms"), "created_at_ms", 0);
  if (auto data = dataText(in)) job.dataJson = std::move(*data);
  if (const auto* state = field(in, "state")) {
    if (!state->is_string() || *state != "waiting") throw InvalidInput("state: a new job must be \"waiting\"");
  }
  if (const auto* attempts = field(in, "attempts_made")) job.attemptsMade = integer(*attempts, "attempts_made", 0);
  if (const auto* backoff = field(in, "backoff")) job.backoff = parseBackoff(*backoff);
  if (const auto* timeout = field(in, "timeout_ms")) job.timeoutMs = integer(*timeout, "timeout_ms", 0);
  if (const auto* cancel = field(in, "cancel_requested")) {
    if (!cancel->is_boolean() || cancel->template get<bool>()) {
      throw InvalidInput("cancel_requested: must be false for a new job");
    }
  }
  for (const char* name :
       {"started_at_ms", "finished_at_ms", "lease_owner", "lease_expires_at_ms", "last_error", "result"}) {
    requireNull(in, name);
  }
  return job;
}

// Strings that did not come through the JSON parser (a worker name, an error
// message) may hold invalid UTF-8: replaced rather than failing the write.
void appendString(std::string& out, std::string_view s) { common::appendJsonString(out, s); }

void appendKey(std::string& out, const char* key) {
  out += out.size() > 1 ? ",\"" : "\"";
  out += key;
  out += "\":";
}

void appendOptional(std::string& out, const char* key, const std::optional<int64_t>& v) {
  appendKey(out, key);
  out += v ? std::to_string(*v) : "null";
}

void appendOptional(std::string& out, const char* key, const std::optional<std::string>& v) {
  appendKey(out, key);
  if (v) appendString(out, *v);
  else out += "null";
}

}  // namespace

bool isState(std::string_view s) {
  return s == kWaiting || s == kActive || s == kCompleted || s == kFailed || s == kCancelled;
}

bool isFinished(std::string_view state) { return state == kCompleted || state == kFailed || state == kCancelled; }

void requireNonEmpty(std::string_view value, const char* what) {
  if (value.empty()) throw InvalidInput(std::string(what) + ": must not be empty");
}

// Parsed as the batch's records are, so a job's data keeps its members in
// the order they came either way.
JobRecord parseEnqueue(std::string_view jsonText) {
  return enqueueRecord(parseObject<nlohmann::ordered_json>(jsonText, "job"));
}

JobRecord parseEnqueueValue(const json& value) { return enqueueRecord(value); }

JobRecord parseEnqueueValue(const nlohmann::ordered_json& value) { return enqueueRecord(value); }

JobRecord parseEnqueueMembers(const EnqueueMembers& record) { return enqueueRecord(record); }

const std::array<std::string_view, EnqueueMembers::kCount> EnqueueMembers::kNames = {
    "id",           "type",          "queue",         "priority",    "state",
    "attempts_made", "max_attempts", "backoff",       "timeout_ms",  "run_at_ms",
    "created_at_ms", "started_at_ms", "finished_at_ms", "lease_owner", "lease_expires_at_ms",
    "last_error",    "result",        "cancel_requested"};

const int EnqueueMembers::kBackoff = indexOf("backoff");

int EnqueueMembers::indexOf(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (name == kNames[i]) return static_cast<int>(i);
  }
  return -1;
}

const json* EnqueueMembers::find(std::string_view name) const {
  const int i = indexOf(name);
  return i >= 0 && present[static_cast<size_t>(i)] ? &values[static_cast<size_t>(i)] : nullptr;
}

void EnqueueMembers::clear() {
  present.reset();
  dataJson.reset();
}

std::string toJson(const JobRecord& job) {
  std::string out;
  out.reserve(320 + job.dataJson.size() + (job.resultJson ? job.resultJson->size() : 0));
  out += '{';
  appendKey(out, "id");
  appendString(out, job.id);
  appendKey(out, "type");
  appendString(out, job.type);
  appendKey(out, "queue");
  appendString(out, job.queue);
  appendKey(out, "priority");
  out += std::to_string(job.priority);
  appendKey(out, "data");
  out += job.dataJson;
  appendKey(out, "state");
  appendString(out, job.state);
  appendKey(out, "attempts_made");
  out += std::to_string(job.attemptsMade);
  appendKey(out, "max_attempts");
  out += std::to_string(job.maxAttempts);
  appendKey(out, "backoff");
  out += "{\"type\":";
  appendString(out, job.backoff.type);
  out += ",\"delay_ms\":" + std::to_string(job.backoff.delayMs) + ",\"jitter\":" + json(job.backoff.jitter).dump() + '}';
  appendKey(out, "timeout_ms");
  out += std::to_string(job.timeoutMs);
  appendKey(out, "run_at_ms");
  out += std::to_string(job.runAtMs);
  appendKey(out, "created_at_ms");
  out += std::to_string(job.createdAtMs);
  appendOptional(out, "started_at_ms", job.startedAtMs);
  appendOptional(out, "finished_at_ms", job.finishedAtMs);
  appendOptional(out, "lease_owner", job.leaseOwner);
  appendOptional(out, "lease_expires_at_ms", job.leaseExpiresAtMs);
  appendOptional(out, "last_error", job.lastError);
  appendKey(out, "result");
  out += job.resultJson ? *job.resultJson : "null";
  appendKey(out, "cancel_requested");
  out += job.cancelRequested ? "true" : "false";
  out += '}';
  return out;
}

std::optional<std::string> parseResult(std::string_view resultJson) {
  if (resultJson.empty()) return std::nullopt;
  json value = json::parse(resultJson.begin(), resultJson.end(), nullptr, false);
  if (value.is_discarded()) throw InvalidInput("result: not valid JSON");
  return value.dump();
}

ListFilter parseListFilter(std::string_view jsonText) {
  ListFilter f;
  if (jsonText.find_first_not_of(" \t\r\n") == std::string_view::npos) return f;
  const json in = parseObject(jsonText, "filter");
  for (const auto& [key, value] : in.items()) {
    if (value.is_null()) continue;
    if (key == "state") {
      if (!value.is_string() || !isState(value.get<std::string>())) {
        throw InvalidInput("state: expected one of waiting, active, completed, failed, cancelled");
      }
      f.state = value.get<std::string>();
    } else if (key == "queue") {
      f.queue = text(value, "queue");
    } else if (key == "type") {
      f.type = text(value, "type");
    } else if (key == "limit") {
      f.limit = static_cast<size_t>(integer(value, "limit", 1, static_cast<int64_t>(kMaxListLimit)));
    } else if (key == "after_id") {
      f.afterId = text(value, "after_id");
    } else {
      throw InvalidInput("unknown filter field \"" + key + "\" (known: state, queue, type, limit, after_id)");
    }
  }
  return f;
}

void QueueCounts::add(std::string_view state, bool isDelayed, int64_t n) {
  if (state == kWaiting) (isDelayed ? delayed : waiting) += n;
  else if (state == kActive) active += n;
  else if (state == kCompleted) completed += n;
  else if (state == kFailed) failed += n;
  else if (state == kCancelled) cancelled += n;
}

std::string statsJson(const std::map<std::string, QueueCounts>& queues) {
  json out = json::object();
  for (const auto& [name, c] : queues) {
    out[name] = {{"waiting", c.waiting},     {"delayed", c.delayed}, {"active", c.active},
                 {"completed", c.completed}, {"failed", c.failed},   {"cancelled", c.cancelled}};
  }
  return json{{"queues", out}}.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace wno::jobs
