// Turns an enqueue request (HTTP body or a plugin's job_enqueue JSON) into
// a JOB RECORD as job_store.h defines it, and a stored record into the
// public job view the HTTP API returns. Validation is strict: unknown
// members, wrong types and out-of-range values are refused, naming the
// member, before anything reaches a store.
#pragma once

#include "jobs/backoff.h"
#include "jobs/job_config.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace wno::host::jobs {

struct RequestError {
  std::string parameter;  // the offending member, e.g. "backoff.delay_ms"
  std::string message;
};

// Job ids clients may choose: 1..200 of [A-Za-z0-9._:@-].
bool validJobId(const std::string& id);

// A fresh job id: 32 hex digits, the creation time (Unix ms) then 80
// random bits, so ids sort by creation time across milliseconds.
std::string newJobId();

// A validated request: the new job's record, typed.
struct NewJob {
  std::string id;
  std::string type;
  std::string queue;
  int priority = 2;
  nlohmann::json data = nlohmann::json::object();
  int64_t maxAttempts = 1;
  Backoff backoff;
  int64_t timeoutMs = 0;
  int64_t runAtMs = 0;
  int64_t createdAtMs = 0;

  // The JOB RECORD of job_store.h (state waiting, nothing run yet), written
  // as text: a bulk request turns thousands of these into one store call.
  std::string recordJson() const;
  // The same record as a document.
  nlohmann::json record() const;
};

// nullopt with error filled when the request is invalid. nowMs stamps
// created_at_ms and, with delay_ms, run_at_ms.
std::optional<NewJob> newJobFromRequest(const nlohmann::json& request, const JobsConfig& config, int64_t nowMs,
                                        RequestError& error);
// The same, as the record document.
std::optional<nlohmann::json> jobRecordFromRequest(const nlohmann::json& request, const JobsConfig& config,
                                                   int64_t nowMs, RequestError& error);

// The record as clients see it: priority by name, times as RFC 3339, and
// derived timings (wait_ms from run_at to start, run_ms from start to end).
nlohmann::json publicJobView(const nlohmann::json& record);

}  // namespace wno::host::jobs
