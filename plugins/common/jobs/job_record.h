// The JOB RECORD of job_store.h as a C++ value, shared by the memory, sqlite
// and postgres job stores: parsing what on_enqueue / on_list receive
// (errors name the offending field) and writing the record JSON exactly as
// documented (every field, in documented order, null where absent).
// THREADS: plain values and pure functions.
#pragma once

#include <wno/sdk/error.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <bitset>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace wno::jobs {

// The caller's input is wrong; what() names the field. An SDK error with
// WNO_ERR_INVALID, so the SDK trampolines report it as it is.
struct InvalidInput : wno::sdk::Error {
  explicit InvalidInput(const std::string& message) : wno::sdk::Error(WNO_ERR_INVALID, message) {}
};

inline constexpr std::string_view kWaiting = "waiting";
inline constexpr std::string_view kActive = "active";
inline constexpr std::string_view kCompleted = "completed";
inline constexpr std::string_view kFailed = "failed";
inline constexpr std::string_view kCancelled = "cancelled";

bool isState(std::string_view s);
bool isFinished(std::string_view state);  // completed, failed or cancelled

struct Backoff {
  std::string type = "fixed";  // "fixed" | "exponential"
  int64_t delayMs = 0;
  double jitter = 0;  // 0..1
  bool operator==(const Backoff&) const = default;
};

struct JobRecord {
  std::string id;
  std::string type;
  std::string queue;
  int32_t priority = 2;           // 0 critical .. 3 low
  std::string dataJson = "null";  // compact JSON text
  std::string state = "waiting";
  int64_t attemptsMade = 0;
  int64_t maxAttempts = 1;
  Backoff backoff;
  int64_t timeoutMs = 0;
  int64_t runAtMs = 0;
  int64_t createdAtMs = 0;
  std::optional<int64_t> startedAtMs;
  std::optional<int64_t> finishedAtMs;
  std::optional<std::string> leaseOwner;
  std::optional<int64_t> leaseExpiresAtMs;
  std::optional<std::string> lastError;
  std::optional<std::string> resultJson;  // compact JSON text
  bool cancelRequested = false;
  bool operator==(const JobRecord&) const = default;
};

// Parses the record given to on_enqueue. Required: id, type, queue (non-empty
// strings), priority (0..3), max_attempts (>= 1), run_at_ms, created_at_ms.
// Optional: data (default null), state (only "waiting"), attempts_made (>= 0,
// default 0), backoff (type, delay_ms >= 0, jitter 0..1), timeout_ms (>= 0,
// 0 = none), cancel_requested (only false); the lease, timing, error and
// result fields must be absent or null. Unknown fields are ignored so a newer
// host's additions do not break an older store. Throws InvalidInput.
JobRecord parseEnqueue(std::string_view json);
// The same, for an element of an already parsed array (on_enqueue_many).
JobRecord parseEnqueueValue(const nlohmann::json& value);
JobRecord parseEnqueueValue(const nlohmann::ordered_json& value);

// A record's members as a streaming reader met them (enqueue_batch_scan.h
// and enqueue_batch_reader.h read a batch's thousands of records without a
// document per record): each member
// but data as a value (a compound one other than backoff by any non-null
// stand-in, since only its kind is checked), data as compact text.
struct EnqueueMembers {
  static constexpr size_t kCount = 18;
  static const std::array<std::string_view, kCount> kNames;
  static int indexOf(std::string_view name);  // -1: not a member a new job is checked for
  static const int kBackoff;                  // indexOf("backoff"): the one object member read

  bool is_object() const { return true; }
  const nlohmann::json* find(std::string_view name) const;
  void clear();

  std::array<nlohmann::json, kCount> values;
  std::bitset<kCount> present;
  std::optional<std::string> dataJson;
};
// Checked as parseEnqueue checks a document.
JobRecord parseEnqueueMembers(const EnqueueMembers& record);

// The record as one JSON object, keys in the order job_store.h lists them.
std::string toJson(const JobRecord& job);

// A handler's result for on_complete: empty means none (null); anything else
// must be valid JSON and is stored compact. Throws InvalidInput.
std::optional<std::string> parseResult(std::string_view resultJson);

// on_list's filter: {"state","queue","type","limit","after_id"}, all optional.
struct ListFilter {
  std::optional<std::string> state;
  std::optional<std::string> queue;
  std::optional<std::string> type;
  size_t limit = 100;  // 1..1000
  std::optional<std::string> afterId;
};

inline constexpr size_t kDefaultListLimit = 100;
inline constexpr size_t kMaxListLimit = 1000;

// Empty text is an empty filter. Throws InvalidInput naming the field.
ListFilter parseListFilter(std::string_view json);

// Rejects empty ids, queues and workers with a message naming `what`.
void requireNonEmpty(std::string_view value, const char* what);

// Per-queue counts for on_stats.
struct QueueCounts {
  int64_t waiting = 0;  // runnable now (run_at_ms <= now)
  int64_t delayed = 0;  // waiting with run_at_ms > now
  int64_t active = 0;
  int64_t completed = 0;
  int64_t failed = 0;
  int64_t cancelled = 0;
  // Adds `n` jobs of `state` (delayed when state is waiting and `delayed`).
  void add(std::string_view state, bool delayed, int64_t n = 1);
};

// {"queues":{"<queue>":{"waiting","delayed","active","completed","failed","cancelled"}}}
std::string statsJson(const std::map<std::string, QueueCounts>& queues);

}  // namespace wno::jobs
