#include "jobs/job_transitions.h"

#include <wno/sdk/error.hpp>

#include <chrono>

namespace wno::jobs {

wno_status report(const Outcome& outcome) {
  if (!outcome.ok()) throw wno::sdk::Error(outcome.status, outcome.message);
  return WNO_OK;
}

namespace {

Outcome refuse(const JobRecord& job, std::string reason) {
  return {WNO_ERR_PRECONDITION, "job \"" + job.id + "\" " + std::move(reason)};
}

void releaseLease(JobRecord& job) {
  job.leaseOwner.reset();
  job.leaseExpiresAtMs.reset();
}

void finish(JobRecord& job, std::string_view state, int64_t nowMs) {
  job.state = std::string(state);
  job.finishedAtMs = nowMs;
  releaseLease(job);
}

}  // namespace

bool isRunnable(const JobRecord& job, int64_t nowMs) { return job.state == kWaiting && job.runAtMs <= nowMs; }

void claim(JobRecord& job, std::string_view worker, int64_t nowMs, int64_t leaseMs) {
  job.state = std::string(kActive);
  job.attemptsMade += 1;
  job.leaseOwner = std::string(worker);
  job.leaseExpiresAtMs = nowMs + leaseMs;
  job.startedAtMs = nowMs;
  job.finishedAtMs.reset();
}

Outcome checkLease(const JobRecord& job, std::string_view worker) {
  if (job.state != kActive) return refuse(job, "is " + job.state + ", not active");
  if (!job.leaseOwner || *job.leaseOwner != worker) {
    return refuse(job, "is not leased to worker \"" + std::string(worker) + "\"");
  }
  return {};
}

Outcome heartbeat(JobRecord& job, std::string_view worker, int64_t nowMs, int64_t leaseMs) {
  Outcome held = checkLease(job, worker);
  if (!held.ok()) return held;
  job.leaseExpiresAtMs = nowMs + leaseMs;
  if (job.cancelRequested) return {WNO_ERR_CANCELLED, "job \"" + job.id + "\" was cancelled"};
  return {};
}

Outcome complete(JobRecord& job, std::string_view worker, int64_t nowMs, const std::optional<std::string>& resultJson) {
  Outcome held = checkLease(job, worker);
  if (!held.ok()) return held;
  finish(job, kCompleted, nowMs);
  job.resultJson = resultJson;
  return {};
}

Outcome fail(JobRecord& job, std::string_view worker, int64_t nowMs, std::string_view error, int64_t retryAtMs) {
  Outcome held = checkLease(job, worker);
  if (!held.ok()) return held;
  job.lastError = cappedError(error);
  if (job.cancelRequested) {
    finish(job, kCancelled, nowMs);
  } else if (retryAtMs >= 0) {
    job.state = std::string(kWaiting);
    job.runAtMs = retryAtMs;
    releaseLease(job);
  } else {
    finish(job, kFailed, nowMs);
  }
  return {};
}

Outcome release(JobRecord& job, std::string_view worker, int64_t nowMs, std::string_view why) {
  Outcome held = checkLease(job, worker);
  if (!held.ok()) return held;
  job.lastError = cappedError(why);
  if (job.cancelRequested) {
    finish(job, kCancelled, nowMs);
    return {};
  }
  job.state = std::string(kWaiting);
  job.runAtMs = nowMs;
  job.attemptsMade = job.attemptsMade > 0 ? job.attemptsMade - 1 : 0;
  releaseLease(job);
  return {};
}

Outcome cancel(JobRecord& job, int64_t nowMs) {
  if (job.state == kWaiting) {
    finish(job, kCancelled, nowMs);
    return {};
  }
  if (job.state == kActive) {
    job.cancelRequested = true;
    return {};
  }
  return refuse(job, "is already " + job.state);
}

Outcome retry(JobRecord& job, int64_t nowMs) {
  if (job.state != kFailed && job.state != kCancelled) {
    return refuse(job, "is " + job.state + "; only failed or cancelled jobs can be retried");
  }
  job.state = std::string(kWaiting);
  job.runAtMs = nowMs;
  job.attemptsMade = 0;
  job.finishedAtMs.reset();
  job.cancelRequested = false;
  job.resultJson.reset();
  releaseLease(job);
  return {};
}

bool recoverStalled(JobRecord& job, int64_t nowMs) {
  if (job.state != kActive || !job.leaseExpiresAtMs || *job.leaseExpiresAtMs >= nowMs) return false;
  job.lastError = std::string(kLeaseExpired);
  if (job.cancelRequested) {
    finish(job, kCancelled, nowMs);
  } else if (job.attemptsMade >= job.maxAttempts) {
    finish(job, kFailed, nowMs);
  } else {
    job.state = std::string(kWaiting);
    releaseLease(job);
  }
  return true;
}

std::string cappedError(std::string_view error) {
  if (error.size() <= kMaxErrorBytes) return std::string(error);
  size_t cut = kMaxErrorBytes;
  // Back up over continuation bytes so the cut never splits a character.
  while (cut > 0 && (static_cast<unsigned char>(error[cut]) & 0xC0) == 0x80) --cut;
  return std::string(error.substr(0, cut));
}

void requireLease(int64_t leaseMs) {
  if (leaseMs <= 0) throw InvalidInput("lease_ms: expected a positive duration, got " + std::to_string(leaseMs));
}

namespace {
int64_t steadyNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

LeaseClock::LeaseClock(int64_t nowMs, int64_t leaseMs) : nowMs_(nowMs), leaseMs_(leaseMs), enteredNs_(steadyNs()) {}

int64_t LeaseClock::leaseFromMs() const {
  const int64_t lateMs = (steadyNs() - enteredNs_) / 1'000'000;
  return lateMs > leaseMs_ / 10 ? nowMs_ + lateMs : nowMs_;
}

}  // namespace wno::jobs
