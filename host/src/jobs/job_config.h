// The /jobs config section as typed values: the store, queues with their
// concurrency and load policy, job types with their handlers and defaults,
// and domain events that enqueue jobs. The schema checks shapes; fromConfig
// checks what a schema cannot (references between entries, ranges that
// depend on each other) and names the offending pointer.
#pragma once

#include "jobs/backoff.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace wno::host::jobs {

class JobDataSchema;

// Job priorities as stored: 0 runs first.
enum Priority : int { Critical = 0, High = 1, Normal = 2, Low = 3 };
const char* priorityName(int priority);
std::optional<int> parsePriority(const std::string& name);

struct QueueAlerts {
  double failureRateAbove = 2;  // > 1: off
  int64_t backlogAbove = -1;    // < 0: off
  int64_t windowMs = 60000;
  int64_t minFinished = 10;     // attempts in the window before the rate counts
  std::string webhookUrl;
};

struct QueueConfig {
  std::string name;
  int concurrency = 1;
  int prefetch = 1000;  // most jobs claimed ahead of free slots (the local queue)
  // Critical queues never pause. Others stop claiming above pauseAboveLoad
  // and resume below resumeBelowLoad (hysteresis); > 1 means never.
  bool critical = false;
  double pauseAboveLoad = 2;
  double resumeBelowLoad = 2;
  QueueAlerts alerts;
};

struct JobTypeConfig {
  std::string type;     // the job "type" clients send
  std::string handler;  // the job handler component that runs it
  std::string queue;    // where jobs of this type go when the request names none
  uint32_t attempts = 3;
  Backoff backoff;
  int64_t timeoutMs = 60000;
  nlohmann::json handlerConfig = nlohmann::json::object();
  size_t index = 0;  // of its entry in /jobs/handlers, for error pointers and creation order
  // What the handler declares its data must look like (ABI 1.2); null: anything.
  std::shared_ptr<const JobDataSchema> dataSchema;
};

// "contents" on "create" -> enqueue "process_content" with data built from
// the row: dataFields maps job data keys to row fields; data adds constants.
struct EventRule {
  std::string collection;
  std::string on;  // create | update | delete
  std::string type;
  std::string queue;  // empty: the type's queue
  int priority = Normal;
  nlohmann::json data = nlohmann::json::object();
  std::map<std::string, std::string> dataFields;
};

struct JobsConfig {
  std::string storeType;
  nlohmann::json storeConfig = nlohmann::json::object();
  bool runWorkers = true;
  std::string workerId;  // empty: <hostname>:<pid>:<random>
  int64_t leaseMs = 30000;
  int64_t heartbeatMs = 10000;
  int64_t pollMs = 1000;
  uint32_t claimBatch = 500;
  int claimsInFlight = 2;  // per queue: the next claim is asked for while one is on its way
  size_t bulkMax = 5000;
  // Group commit of single enqueues and batched finishes (batcher.h).
  int64_t enqueueLingerUs = 1000;
  size_t enqueueBatchMax = 500;
  int64_t finishLingerUs = 2000;
  size_t finishBatchMax = 500;
  int batchWriters = 2;
  int64_t recoverIntervalMs = 5000;
  int64_t statsIntervalMs = 5000;  // per-state gauges: a GROUP BY over the whole store
  int64_t retentionMs = 7LL * 24 * 3600 * 1000;
  int64_t shutdownGraceMs = 10000;
  int64_t maxBackoffMs = 3600 * 1000;
  std::string defaultQueue = "default";
  int defaultPriority = Normal;
  std::map<std::string, QueueConfig> queues;
  std::map<std::string, JobTypeConfig> types;
  std::vector<EventRule> events;
};

// Reads the section, missing keys taking config/schema.json's defaults (the
// initializers above serve configs built in code). Every problem is
// appended to errors as "/jobs/...: message"; nullopt when there is any.
std::optional<JobsConfig> jobsConfigFrom(const nlohmann::json& section, std::vector<std::string>& errors);

}  // namespace wno::host::jobs
