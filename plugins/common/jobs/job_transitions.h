// The state machine of job_store.h as pure functions on a JobRecord, so
// every store decides transitions (and words its refusals) the same way.
// A store applies them atomically: under its mutex (memory), inside BEGIN
// IMMEDIATE (sqlite), or encodes the same rules in one UPDATE and calls these
// on the current row only to explain a refusal (postgres).
//
// Lease rule: a worker holds a job while the job is active and lease_owner is
// that worker. A lapsed lease still belongs to its worker until
// recoverStalled takes it back (no one else can claim an active job), so a
// late heartbeat or completion from that worker is accepted until then.
// A job whose cancel was requested never runs again: failing it or losing its
// lease ends it as cancelled. THREADS: pure functions.
#pragma once

#include "jobs/job_record.h"

#include <wno/common.h>

#include <string>
#include <string_view>

namespace wno::jobs {

struct Outcome {
  wno_status status = WNO_OK;
  std::string message;  // why, when status is not WNO_OK
  bool ok() const { return status == WNO_OK; }
};

// How every job store reports a refused transition: as the SDK reports any
// error, by throwing wno::sdk::Error with the outcome's status and reason
// (the boundary returns the one and set_errors the other). WNO_OK otherwise,
// so a hook may `return report(store.complete(...));`.
wno_status report(const Outcome& outcome);

// Stored error messages are capped at this many bytes (cut on a UTF-8 boundary).
inline constexpr size_t kMaxErrorBytes = 64 * 1024;
inline constexpr std::string_view kLeaseExpired = "lease expired";

// True when the job may be claimed at now_ms.
bool isRunnable(const JobRecord& job, int64_t nowMs);

// waiting -> active: attempts_made + 1, lease until now + lease, started now.
void claim(JobRecord& job, std::string_view worker, int64_t nowMs, int64_t leaseMs);

// OK: the worker holds the job; otherwise PRECONDITION with the reason.
Outcome checkLease(const JobRecord& job, std::string_view worker);

// Extends the lease; CANCELLED (lease still extended) when a cancel was requested.
Outcome heartbeat(JobRecord& job, std::string_view worker, int64_t nowMs, int64_t leaseMs);
Outcome complete(JobRecord& job, std::string_view worker, int64_t nowMs, const std::optional<std::string>& resultJson);
// retry_at_ms >= 0: waiting at that time; < 0: failed. Cancel requested: cancelled.
Outcome fail(JobRecord& job, std::string_view worker, int64_t nowMs, std::string_view error, int64_t retryAtMs);
// waiting -> cancelled; active -> cancel_requested; finished: PRECONDITION.
Outcome cancel(JobRecord& job, int64_t nowMs);
// A hand-back by the holder (host stopping): waiting at now_ms with the
// attempt uncounted (attempts_made - 1), last_error = why; a job whose
// cancel was requested ends cancelled. Requires the worker's lease.
Outcome release(JobRecord& job, std::string_view worker, int64_t nowMs, std::string_view why);
// failed or cancelled -> waiting now with attempts_made 0; else PRECONDITION.
Outcome retry(JobRecord& job, int64_t nowMs);
// True (and the job changed) when it was active with a lease that lapsed
// before now_ms: back to waiting, or failed ("lease expired") when its
// attempts are used up, or cancelled when a cancel was requested.
bool recoverStalled(JobRecord& job, int64_t nowMs);

// The error text as stored (capped).
std::string cappedError(std::string_view error);

// Validation shared by the hooks; throw InvalidInput naming the argument.
void requireLease(int64_t leaseMs);

// The time a lease written now counts from. A lease runs from the now_ms
// the host passed, but a store that first waited (for a connection, a file
// lock) writes it later; on a loaded machine seconds later, and the lease
// had lapsed when the host got the job. Writes later than a tenth of the
// lease count from now_ms plus the wait (a duration on this process's
// steady clock, so the host's clock stays the only wall clock); earlier
// ones keep the lease exactly as asked. Start one when the hook is entered.
class LeaseClock {
 public:
  LeaseClock(int64_t nowMs, int64_t leaseMs);
  int64_t leaseFromMs() const;

 private:
  int64_t nowMs_, leaseMs_;
  int64_t enteredNs_;
};

}  // namespace wno::jobs
