// The job enqueue request (jobs/job_request.h) on arbitrary bodies, as POST
// /api/v1/jobs reaches it: parsed the way RequestContext::readJsonBody
// parses it, checked against the jobs section of config/default.json. An
// accepted record is serialized as the store receives it, shown the way
// GET /api/v1/jobs/{id} shows it, and read back the way a worker reads it
// when it claims the job.
#include "fuzz_support.h"
#include "jobs/claimed_job.h"
#include "jobs/job_request.h"

#include <cstddef>
#include <cstdint>

using namespace wno::host::jobs;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& s = wno::fuzz::subjects();
  const auto parsed = wno::fuzz::requestBody(data, size);
  if (!parsed) return 0;  // 400 malformed JSON body
  const nlohmann::json& body = *parsed;
  constexpr int64_t kNowMs = 1795000000000;  // 2026-11-18
  RequestError error;
  auto record = jobRecordFromRequest(body, s.jobs, kNowMs, error);
  if (!record) {
    wno::fuzz::require(!error.message.empty(), "a refused request says why");
    return 0;
  }
  const auto& r = *record;
  wno::fuzz::require(validJobId(r["id"].get<std::string>()), "the job id is valid");
  wno::fuzz::require(s.jobs.queues.count(r["queue"].get<std::string>()) == 1, "the queue is configured");
  wno::fuzz::require(r["max_attempts"].get<int64_t>() >= 1, "at least one attempt");
  wno::fuzz::require(r["run_at_ms"].get<int64_t>() >= kNowMs, "runs no earlier than now");
  const std::string stored = r.dump();
  (void)publicJobView(r).dump();
  std::string unreadable;
  const auto claimed = readClaimedJob(stored, unreadable);
  wno::fuzz::require(claimed.has_value(), "a worker can read every record the host accepts");
  wno::fuzz::require(claimed->id == r["id"].get<std::string>(), "the worker sees the job's id");
  return 0;
}
