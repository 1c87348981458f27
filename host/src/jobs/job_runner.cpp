#include "jobs/job_runner.h"

#include "core/logger.h"
#include "core/utc_time.h"
#include "data/row_text.h"
#include "jobs/job_request.h"

#include <chrono>
#include <thread>

namespace wno::host::jobs {
namespace {

using nlohmann::json;

wno_str view(const std::string& s) { return wno_str{s.data(), s.size()}; }

// Takes the right to report an attempt; false when someone already has.
bool claimReport(RunningJob& job) {
  bool expected = false;
  return job.reported.compare_exchange_strong(expected, true);
}

// A handler's result is one JSON value; anything else is kept as a string
// so the work it reports is not lost.
std::string resultJson(const std::string& written) {
  if (written.empty()) return "null";
  return data::isJsonValue(written) ? written : json(written).dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

JobRunner::JobRunner(const JobsConfig& config, JobStoreClient& store, JobMetrics& metrics, const HandlerMap& handlers,
                     std::string workerId, std::function<void(const std::string&, bool)> onFinished)
    : config_(config),
      store_(store),
      metrics_(metrics),
      handlers_(handlers),
      workerId_(std::move(workerId)),
      onFinished_(std::move(onFinished)) {
  using Finishes = Batcher<JobStoreClient::Finish, Status>;
  Finishes::Options options;
  options.maxBatch = config_.finishBatchMax;
  options.linger = std::chrono::microseconds(config_.finishLingerUs);
  options.maxInFlight = config_.batchWriters;
  options.flushers = config_.batchWriters;  // a worker hands its finish over and takes the next job
  // Unless a full batch waits behind every batch being written: then the
  // store is slower than the workers, and its backlog is bounded here. Each
  // unwritten end is a job still held (its lease renewed), and claims do not
  // count them: without a bound a host held ever more jobs than it could
  // renew.
  options.maxUnwritten = config_.finishBatchMax * static_cast<size_t>(config_.batchWriters + 1);
  finishes_ = std::make_unique<Finishes>(
      options, [this](const std::vector<JobStoreClient::Finish>& items) { return recordFinishes(items); });
}

std::vector<Status> JobRunner::recordFinishes(const std::vector<JobStoreClient::Finish>& items) {
  // A batch the store failed as a whole for a passing reason (a deadlock,
  // a lost connection, a timeout) is written again. The jobs' leases are
  // kept meanwhile (the keeper renews them until their end is written);
  // giving up would let them lapse, and the jobs would run again although
  // they ended here.
  constexpr int kAttempts = 5;
  auto pause = std::chrono::milliseconds(50);
  for (int attempt = 1;; ++attempt) {
    auto recorded = store_.finishMany(workerId_, items);
    if (recorded.isOk()) return std::move(recorded).value();
    const wno_status code = recorded.status().code();
    if ((code != WNO_ERR_UNAVAILABLE && code != WNO_ERR_TIMEOUT) || attempt == kAttempts) {
      return std::vector<Status>(items.size(), recorded.status());
    }
    logWarn("jobs", "recording finished attempts failed; retrying",
            {{"jobs", std::to_string(items.size())}, {"attempt", std::to_string(attempt)},
             {"error", recorded.status().message()}});
    std::this_thread::sleep_for(pause);
    pause *= 2;
  }
}

JobRunner::~JobRunner() { finishes_->stop(); }

std::shared_ptr<RunningJob> JobRunner::hold(ClaimedJob claimed) {
  if (!claimed.claimedAtMs) claimed.claimedAtMs = unixNowMs();
  auto job = std::make_shared<RunningJob>(std::move(claimed));
  job->series = &metrics_.series(job->queue, job->type);
  running_->add(job);
  return job;
}

void JobRunner::run(const std::shared_ptr<RunningJob>& job) {
  job->startedAtMs = unixNowMs();
  job->deadlineMs = job->timeoutMs > 0 ? job->startedAtMs + job->timeoutMs : 0;
  if (job->stop.load() != StopReason::None) {
    // Cancelled or lost while it waited in the local queue: never run it.
    if (claimReport(*job)) {
      report(job, Status(WNO_ERR_CANCELLED, std::string("stopped before it started: ") + stopReasonName(job->stop.load())),
             "null", /*forgetWhenWritten=*/false);
    }
    running_->remove(*job);
    return;
  }
  job->started.store(true);
  job->series->waited(std::max<int64_t>(0, job->startedAtMs - job->runAtMs) / 1000.0);

  Status outcome;
  std::string written;
  const auto began = std::chrono::steady_clock::now();
  auto handler = handlers_.find(job->type);
  if (handler == handlers_.end()) {
    // Another host may have the handler; this attempt is retried there.
    outcome = Status(WNO_ERR_UNAVAILABLE, "no handler for job type \"" + job->type + "\" on worker " + workerId_);
  } else {
    wno_job j{};
    j.struct_size = sizeof j;
    j.id = view(job->id);
    j.type = view(job->type);
    j.queue = view(job->queue);
    j.data_json = view(job->dataJson);
    j.attempt = job->attemptsMade;
    j.max_attempts = job->maxAttempts;
    j.deadline_ms = job->deadlineMs;
    const wno_sink sink{&written, [](void* ctx, const char* bytes, size_t len) -> wno_status {
                          static_cast<std::string*>(ctx)->assign(bytes, len);
                          return WNO_OK;
                        }};
    JobHandlerInstance& h = *handler->second;
    outcome = h.call("on_handle", h.vtable().on_handle, &j, &sink);
  }
  job->series->ran(std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count());
  // Held (its lease renewed) until the end is written, then forgotten.
  if (claimReport(*job) && report(job, outcome, resultJson(written), /*forgetWhenWritten=*/true)) return;
  running_->remove(*job);
}

void JobRunner::abandon(const std::shared_ptr<RunningJob>& job) {
  if (!claimReport(*job)) return;
  const StopReason reason = job->stop.load();
  // Still held: the hung handler's thread forgets it when it returns.
  report(job, Status(reason == StopReason::Cancelled ? WNO_ERR_CANCELLED : WNO_ERR_TIMEOUT,
                     "the handler did not stop within " + std::to_string(config_.heartbeatMs) + " ms of being asked"),
         "null", /*forgetWhenWritten=*/false);
}

void JobRunner::release(const std::shared_ptr<RunningJob>& job) {
  if (claimReport(*job)) {
    JobStoreClient::Finish f;
    f.kind = JobStoreClient::Finish::Kind::Release;
    f.id = job->id;
    f.nowMs = unixNowMs();
    f.error = "released unstarted: host shutting down";
    record(std::move(f), "released", job, /*forgetWhenWritten=*/false);
    job->series->finished("released");
  }
  running_->remove(*job);
}

void JobRunner::drain() { finishes_->drain(); }

void JobRunner::record(JobStoreClient::Finish finish, const std::string& label, const std::shared_ptr<RunningJob>& job,
                       bool forgetWhenWritten) {
  // A worker's own end (forgetWhenWritten) waits for room in the backlog;
  // the keeper's and the shutdown's never wait.
  auto submit = [&](auto&& done) {
    if (forgetWhenWritten) finishes_->submitWhenRoom(std::move(finish), std::move(done));
    else finishes_->submit(std::move(finish), std::move(done));
  };
  submit([this, job, label, forgetWhenWritten](Status stored) {
    job->endWritten.store(true);
    if (forgetWhenWritten) running_->remove(*job);
    if (stored.isOk()) return;
    // The lease lapses and recovery puts the job back; nothing is lost.
    logError("jobs", "could not record the end of an attempt",
             {{"job_id", job->id}, {"outcome", label}, {"error", stored.message()}});
  });
}

bool JobRunner::report(const std::shared_ptr<RunningJob>& held, const Status& outcome, const std::string& result,
                       bool forgetWhenWritten) {
  RunningJob& job = *held;
  using Kind = JobStoreClient::Finish::Kind;
  const int64_t now = unixNowMs();
  const StopReason reason = job.stop.load();
  const uint32_t attemptsMade = job.attemptsMade;
  const uint32_t maxAttempts = job.maxAttempts;
  const char* label = nullptr;
  std::string error = outcome.message();
  JobStoreClient::Finish f;
  f.id = job.id;
  f.nowMs = now;
  bool store = true;

  if (reason == StopReason::LeaseLost) {
    // The store gave the job to someone else; reporting would be refused.
    label = "lease_lost";
    store = false;
  } else if (outcome.isOk()) {
    f.kind = Kind::Complete;
    f.resultJson = result;
    label = "completed";
  } else if (reason == StopReason::Shutdown) {
    // A hand-back, not a failure: the attempt does not count.
    f.kind = Kind::Release;
    f.error = "interrupted: host shutting down (" + error + ")";
    label = "released";
  } else if (reason == StopReason::Cancelled) {
    f.kind = Kind::Fail;
    f.error = "cancelled";
    f.retryAtMs = -1;
    label = "cancelled";
  } else {
    if (reason == StopReason::TimedOut) {
      error = "timed out after " + std::to_string(job.timeoutMs) + " ms (" + error + ")";
    }
    // Bad input never gets better: no retry.
    const int64_t retryAt = outcome.code() == WNO_ERR_INVALID
                                ? -1
                                : nextAttemptAtMs(job.backoff, attemptsMade, maxAttempts, now, config_.maxBackoffMs,
                                                  jitterUnit());
    f.kind = Kind::Fail;
    f.error = error;
    f.retryAtMs = retryAt;
    label = retryAt < 0 ? "failed" : "retried";
    if (retryAt < 0) {
      logWarn("jobs", "job failed for good (dead letter)",
              {{"job_id", job.id}, {"type", job.type}, {"queue", job.queue}, {"attempts", attemptsMade},
               {"error", error}});
    }
  }
  if (store) record(std::move(f), label, held, forgetWhenWritten);
  job.series->finished(label);
  const bool failed = std::string_view(label) == "failed" || std::string_view(label) == "retried";
  if (std::string_view(label) == "completed" || failed) onFinished_(job.queue, failed);
  return store;
}

}  // namespace wno::host::jobs
