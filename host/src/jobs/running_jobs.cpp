#include "jobs/running_jobs.h"

#include "core/logger.h"
#include "core/status.h"
#include "core/utc_time.h"

#include <algorithm>
#include <vector>

namespace wno::host::jobs {

const char* stopReasonName(StopReason reason) {
  switch (reason) {
    case StopReason::None: return "none";
    case StopReason::Cancelled: return "cancelled";
    case StopReason::TimedOut: return "timed out";
    case StopReason::LeaseLost: return "lease lost";
    case StopReason::Shutdown: return "host shutting down";
  }
  return "unknown";
}

void RunningJob::requestStop(StopReason reason, int64_t nowMs) {
  StopReason expected = StopReason::None;
  // The first reason sticks: a job that timed out and is then cancelled is
  // still reported as timed out, as that is what ended it.
  if (stop.compare_exchange_strong(expected, reason)) stopRequestedAtMs.store(nowMs);
}

RunningJobs::RunningJobs(const JobsConfig& config, JobStoreClient& store, JobMetrics& metrics, std::string workerId,
                         std::function<void(const std::shared_ptr<RunningJob>&)> onAbandon)
    : config_(config),
      store_(store),
      metrics_(metrics),
      workerId_(std::move(workerId)),
      onAbandon_(std::move(onAbandon)) {}

RunningJobs::~RunningJobs() { stop(); }

void RunningJobs::start() {
  {
    std::lock_guard lock(wakeMutex_);
    stopping_ = false;
  }
  keeper_ = std::thread([this] { keepLeases(); });
}

void RunningJobs::stop() {
  {
    std::lock_guard lock(wakeMutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (keeper_.joinable()) keeper_.join();
}

void RunningJobs::add(const std::shared_ptr<RunningJob>& job) {
  job->leaseFromMs.store(*job->claimedAtMs);
  std::unique_lock lock(mutex_);
  jobs_[job->id] = job;
}

void RunningJobs::remove(const RunningJob& job) {
  {
    std::unique_lock lock(mutex_);
    auto it = jobs_.find(job.id);
    if (it != jobs_.end() && it->second.get() == &job) jobs_.erase(it);
  }
  std::lock_guard lock(idleMutex_);
  idle_.notify_all();
}

bool RunningJobs::shouldStop(const std::string& id) const {
  std::shared_lock lock(mutex_);
  auto it = jobs_.find(id);
  // A job that is not running here has nothing to continue for.
  return it == jobs_.end() || it->second->stop.load() != StopReason::None;
}

size_t RunningJobs::count() const {
  std::shared_lock lock(mutex_);
  size_t n = 0;
  for (const auto& [id, job] : jobs_) n += job->started.load() ? 1 : 0;
  return n;
}

bool RunningJobs::requestStop(const std::string& id, StopReason reason, int64_t nowMs) {
  std::shared_lock lock(mutex_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return false;
  it->second->requestStop(reason, nowMs);
  return true;
}

std::vector<std::shared_ptr<RunningJob>> RunningJobs::snapshot() const {
  std::shared_lock lock(mutex_);
  std::vector<std::shared_ptr<RunningJob>> jobs;
  jobs.reserve(jobs_.size());
  for (const auto& [id, job] : jobs_) jobs.push_back(job);
  return jobs;
}

size_t RunningJobs::stopAll(StopReason reason, int64_t nowMs) {
  std::shared_lock lock(mutex_);
  for (auto& [id, job] : jobs_) job->requestStop(reason, nowMs);
  return jobs_.size();
}

bool RunningJobs::waitIdle(std::chrono::milliseconds limit) {
  std::unique_lock lock(idleMutex_);
  return idle_.wait_for(lock, limit, [this] { return count() == 0; });
}

namespace {

// Forgets the renewal times of jobs that ended: a merge of two id-sorted
// lists (the map's order), as a deep local queue holds a thousand jobs.
void forgetEnded(std::map<std::string, int64_t>& nextBeat, const std::vector<std::shared_ptr<RunningJob>>& jobs) {
  auto live = jobs.begin();
  for (auto it = nextBeat.begin(); it != nextBeat.end();) {
    while (live != jobs.end() && (*live)->id < it->first) ++live;
    it = live != jobs.end() && (*live)->id == it->first ? std::next(it) : nextBeat.erase(it);
  }
}

// Leases renewed per store call: one statement, with a bounded parameter.
constexpr size_t kRenewalsPerCall = 1000;

}  // namespace

bool RunningJobs::enforceStop(const std::shared_ptr<RunningJob>& job, int64_t now) {
  // A reported job only waits for its end to be written: its lease is kept,
  // nothing else.
  const bool ended = job->reported.load();
  if (!ended && job->deadlineMs > 0 && now >= job->deadlineMs) job->requestStop(StopReason::TimedOut, now);
  const StopReason reason = job->stop.load();
  // An unstarted job has no handler to wait for: the worker that takes it
  // from the local queue reports it without running it.
  if (!ended && job->started.load() && (reason == StopReason::TimedOut || reason == StopReason::Cancelled) &&
      now - job->stopRequestedAtMs.load() > config_.heartbeatMs) {
    logWarn("jobs", "handler ignored its stop request; abandoning the attempt",
            {{"job_id", job->id}, {"type", job->type}, {"reason", stopReasonName(reason)}});
    onAbandon_(job);
    return true;
  }
  return reason == StopReason::LeaseLost;
}

void RunningJobs::renew(const std::vector<std::shared_ptr<RunningJob>>& due, std::map<std::string, int64_t>& nextBeat) {
  for (size_t from = 0; from < due.size(); from += kRenewalsPerCall) {
    const size_t to = std::min(due.size(), from + kRenewalsPerCall);
    std::vector<std::string> ids;
    ids.reserve(to - from);
    for (size_t i = from; i < to; ++i) ids.push_back(due[i]->id);
    const int64_t now = unixNowMs();
    auto statuses = store_.heartbeatMany(ids, workerId_, now, config_.leaseMs);
    const int64_t took = unixNowMs() - now;
    if (took > config_.leaseMs / 4) {
      // The store counts the leases from when it wrote them, but the next
      // renewal is that much later too.
      logWarn("jobs", "lease renewal was slow", {{"jobs", ids.size()}, {"took_ms", took}});
    }
    if (!statuses.isOk()) {
      // Nothing known: every one of them is tried again on the next tick.
      logWarn("jobs", "lease renewal failed; retrying",
              {{"jobs", std::to_string(ids.size())}, {"error", statuses.status().message()}});
      continue;
    }
    size_t retrying = 0;
    std::string firstError;
    for (size_t i = from; i < to; ++i) {
      const auto& job = due[i];
      const Status& s = statuses.value()[i - from];
      int64_t& slot = nextBeat[job->id];
      job->lastRenewal.store(s.code());
      if (s.isOk()) {
        job->leaseFromMs.store(now);
        slot = now + config_.heartbeatMs;
      } else if (s.code() == WNO_ERR_CANCELLED) {
        slot = now + config_.heartbeatMs;  // the store extended the lease anyway
        job->requestStop(StopReason::Cancelled, now);
      } else if (job->reported.load()) {
        // Its end is being written (the store may skip a row that write
        // holds), or was written since the snapshot: nothing to say.
      } else if (s.code() == WNO_ERR_PRECONDITION || s.code() == WNO_NOT_FOUND) {
        logWarn("jobs", "lease lost; the job may run elsewhere", {{"job_id", job->id}, {"error", s.message()}});
        job->requestStop(StopReason::LeaseLost, now);
      } else if (retrying++ == 0) {
        firstError = job->id + ": " + s.message();
      }
    }
    // Tried again on the next tick; one line for however many there were.
    if (retrying > 0) {
      logWarn("jobs", "lease renewal failed; retrying", {{"jobs", std::to_string(retrying)}, {"first", firstError}});
    }
  }
}

void RunningJobs::watchLeaseAges(const std::vector<std::shared_ptr<RunningJob>>& jobs, int64_t now) {
  int64_t oldest = 0;
  size_t lapsed = 0;
  const RunningJob* first = nullptr;
  for (const auto& job : jobs) {
    if (job->endWritten.load()) continue;
    const int64_t age = now - job->leaseFromMs.load();
    oldest = std::max(oldest, age);
    if (age > config_.leaseMs && !job->lapseCounted.exchange(true)) {
      if (lapsed++ == 0) first = job.get();
    }
  }
  oldestLeaseAgeMs_.store(oldest, std::memory_order_relaxed);
  metrics_.setOldestLeaseAge(static_cast<double>(oldest) / 1000.0);
  if (lapsed == 0) return;
  metrics_.leasesLapsedWhileHeld(lapsed);
  // One line a tick, however many: on an overloaded machine thousands lapse together.
  logWarn("jobs", "leases of held jobs lapsed before they were renewed; other hosts may run them again",
          {{"jobs", lapsed}, {"first", first->id}, {"first_unrenewed_ms", now - first->leaseFromMs.load()},
           {"first_claimed_ms_ago", now - *first->claimedAtMs}, {"first_ended_here", first->reported.load()},
           {"first_last_renewal", first->lastRenewal.load() < 0
                                      ? "none tried"
                                      : statusName(static_cast<wno_status>(first->lastRenewal.load()))}});
}

void RunningJobs::keepLeases() {
  // Deadlines are checked every tick; each lease is renewed once per
  // heartbeat interval, the ones due together in one store call (a host
  // holding a thousand prefetched jobs would otherwise make a thousand
  // round trips per interval, and under load fall behind until leases
  // lapse). A failed renewal is retried on the next tick rather than a
  // whole interval later, as the lease may be close to lapsing.
  const auto tick = std::chrono::milliseconds(std::clamp<int64_t>(config_.heartbeatMs / 4, 5, 100));
  std::map<std::string, int64_t> nextBeat;
  std::vector<std::shared_ptr<RunningJob>> due;
  int64_t lastTick = 0;
  while (true) {
    {
      std::unique_lock lock(wakeMutex_);
      if (wake_.wait_for(lock, tick, [this] { return stopping_; })) return;
    }
    const auto jobs = snapshot();
    forgetEnded(nextBeat, jobs);
    due.clear();
    const int64_t now = unixNowMs();
    if (lastTick > 0 && now - lastTick > config_.leaseMs / 4) {
      // The tick waits for the renewals: a slow store shows here first.
      logWarn("jobs", "lease keeper fell behind", {{"tick_gap_ms", now - lastTick}, {"held", jobs.size()}});
    }
    lastTick = now;
    watchLeaseAges(jobs, now);
    for (const auto& job : jobs) {
      if (job->endWritten.load() || enforceStop(job, now)) continue;
      auto [slot, inserted] = nextBeat.try_emplace(job->id, *job->claimedAtMs + config_.heartbeatMs);
      if (now >= slot->second) due.push_back(job);
    }
    renew(due, nextBeat);
  }
}

}  // namespace wno::host::jobs
