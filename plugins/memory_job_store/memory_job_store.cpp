#include "memory_job_store.h"

#include <algorithm>
#include <chrono>
#include <limits>

namespace wno::memory_job_store {

using jobs::JobRecord;
using jobs::Outcome;

void MemoryJobStore::index(uint64_t seq, const JobRecord& job) {
  QueueIndex& q = queues_[job.queue];
  q.states[job.state] += 1;
  if (job.state == jobs::kWaiting) q.waiting[job.priority].insert({job.runAtMs, seq});
  else if (job.state == jobs::kActive) leases_.insert({job.leaseExpiresAtMs.value_or(0), seq});
  else finished_.insert({job.finishedAtMs.value_or(0), seq});
}

void MemoryJobStore::unindex(uint64_t seq, const JobRecord& job) {
  QueueIndex& q = queues_[job.queue];
  q.states[job.state] -= 1;
  if (job.state == jobs::kWaiting) q.waiting[job.priority].erase({job.runAtMs, seq});
  else if (job.state == jobs::kActive) leases_.erase({job.leaseExpiresAtMs.value_or(0), seq});
  else finished_.erase({job.finishedAtMs.value_or(0), seq});
}

void MemoryJobStore::wake(const std::string& queue) {
  queues_[queue].wakeups += 1;
  wakeup_.notify_all();
}

template <typename Fn>
Outcome MemoryJobStore::update(std::string_view id, Fn&& fn) {
  auto found = ids_.find(std::string(id));
  if (found == ids_.end()) return {WNO_NOT_FOUND, "job \"" + std::string(id) + "\" does not exist"};
  const uint64_t seq = found->second;
  JobRecord& job = jobs_.at(seq);
  JobRecord next = job;
  Outcome outcome = fn(next);
  // A refused transition may still change the record (a heartbeat on a
  // cancelled job extends the lease), so apply whatever fn left.
  unindex(seq, job);
  const bool becameWaiting = job.state != jobs::kWaiting && next.state == jobs::kWaiting;
  job = std::move(next);
  index(seq, job);
  if (becameWaiting) wake(job.queue);
  return outcome;
}

std::pair<bool, std::string> MemoryJobStore::enqueue(std::string_view jobJson) {
  JobRecord job = jobs::parseEnqueue(jobJson);
  std::lock_guard lock(mutex_);
  auto [it, created] = ids_.try_emplace(job.id, nextSeq_);
  if (!created) return {false, jobs::toJson(jobs_.at(it->second))};
  const uint64_t seq = nextSeq_++;
  std::string out = jobs::toJson(job);
  index(seq, job);
  const std::string queue = job.queue;
  jobs_.emplace(seq, std::move(job));
  wake(queue);
  return {true, std::move(out)};
}

std::vector<std::pair<bool, std::string>> MemoryJobStore::enqueueMany(std::string_view jobsJson, size_t count) {
  std::vector<JobRecord> batch = jobs::parseEnqueueMany(jobsJson, count);
  std::vector<std::pair<bool, std::string>> out;
  out.reserve(batch.size());
  std::lock_guard lock(mutex_);
  for (auto& job : batch) {
    auto [it, created] = ids_.try_emplace(job.id, nextSeq_);
    if (!created) {
      out.emplace_back(false, jobs::toJson(jobs_.at(it->second)));
      continue;
    }
    const uint64_t seq = nextSeq_++;
    out.emplace_back(true, jobs::toJson(job));
    index(seq, job);
    const std::string queue = job.queue;
    jobs_.emplace(seq, std::move(job));
    wake(queue);
  }
  return out;
}

std::vector<Outcome> MemoryJobStore::finishMany(std::string_view worker, std::string_view itemsJson, size_t count) {
  const std::vector<jobs::FinishItem> items = jobs::parseFinishMany(itemsJson, count);
  std::vector<Outcome> out;
  out.reserve(items.size());
  std::lock_guard lock(mutex_);
  for (const auto& item : items) {
    out.push_back(update(item.id, [&](JobRecord& job) { return jobs::applyFinish(job, worker, item); }));
  }
  return out;
}

std::vector<std::string> MemoryJobStore::claim(std::string_view queue, std::string_view worker, uint32_t maxJobs,
                                               int64_t nowMs, int64_t leaseMs) {
  jobs::requireNonEmpty(queue, "queue");
  jobs::requireNonEmpty(worker, "worker");
  jobs::requireLease(leaseMs);
  std::vector<std::string> out;
  std::lock_guard lock(mutex_);
  auto q = queues_.find(queue);
  if (q == queues_.end()) return out;
  for (auto& waiting : q->second.waiting) {
    // Within one priority the runnable jobs are a prefix (run_at_ms <= now).
    while (out.size() < maxJobs && !waiting.empty() && waiting.begin()->first <= nowMs) {
      const uint64_t seq = waiting.begin()->second;
      JobRecord& job = jobs_.at(seq);
      unindex(seq, job);
      jobs::claim(job, worker, nowMs, leaseMs);
      index(seq, job);
      out.push_back(jobs::toJson(job));
    }
  }
  return out;
}

Outcome MemoryJobStore::heartbeat(std::string_view id, std::string_view worker, int64_t nowMs, int64_t leaseMs) {
  jobs::requireLease(leaseMs);
  std::lock_guard lock(mutex_);
  return update(id, [&](JobRecord& job) { return jobs::heartbeat(job, worker, nowMs, leaseMs); });
}

std::vector<Outcome> MemoryJobStore::heartbeatMany(std::string_view worker, const std::vector<std::string_view>& ids,
                                                   int64_t nowMs, int64_t leaseMs) {
  jobs::requireLease(leaseMs);
  std::vector<Outcome> out;
  out.reserve(ids.size());
  std::lock_guard lock(mutex_);
  for (const auto id : ids) {
    out.push_back(update(id, [&](JobRecord& job) { return jobs::heartbeat(job, worker, nowMs, leaseMs); }));
  }
  return out;
}

Outcome MemoryJobStore::complete(std::string_view id, std::string_view worker, int64_t nowMs,
                                 std::string_view resultJson) {
  const auto result = jobs::parseResult(resultJson);
  std::lock_guard lock(mutex_);
  return update(id, [&](JobRecord& job) { return jobs::complete(job, worker, nowMs, result); });
}

Outcome MemoryJobStore::fail(std::string_view id, std::string_view worker, int64_t nowMs, std::string_view error,
                             int64_t retryAtMs) {
  std::lock_guard lock(mutex_);
  return update(id, [&](JobRecord& job) { return jobs::fail(job, worker, nowMs, error, retryAtMs); });
}

Outcome MemoryJobStore::cancel(std::string_view id, int64_t nowMs) {
  std::lock_guard lock(mutex_);
  return update(id, [&](JobRecord& job) { return jobs::cancel(job, nowMs); });
}

Outcome MemoryJobStore::retry(std::string_view id, int64_t nowMs) {
  std::lock_guard lock(mutex_);
  return update(id, [&](JobRecord& job) { return jobs::retry(job, nowMs); });
}

std::optional<std::string> MemoryJobStore::get(std::string_view id) {
  std::lock_guard lock(mutex_);
  auto found = ids_.find(std::string(id));
  if (found == ids_.end()) return std::nullopt;
  return jobs::toJson(jobs_.at(found->second));
}

std::vector<std::string> MemoryJobStore::list(std::string_view filterJson) {
  const jobs::ListFilter f = jobs::parseListFilter(filterJson);
  std::vector<std::string> out;
  std::lock_guard lock(mutex_);
  auto end = jobs_.end();
  if (f.afterId) {
    auto after = ids_.find(*f.afterId);
    if (after == ids_.end()) throw jobs::InvalidInput("after_id: no job \"" + *f.afterId + "\"");
    end = jobs_.find(after->second);
  }
  for (auto it = std::make_reverse_iterator(end); it != jobs_.rend() && out.size() < f.limit; ++it) {
    const JobRecord& job = it->second;
    if ((f.state && job.state != *f.state) || (f.queue && job.queue != *f.queue) || (f.type && job.type != *f.type)) {
      continue;
    }
    out.push_back(jobs::toJson(job));
  }
  return out;
}

uint64_t MemoryJobStore::recoverStalled(int64_t nowMs) {
  std::lock_guard lock(mutex_);
  std::vector<uint64_t> lapsed;
  for (auto it = leases_.begin(); it != leases_.end() && it->first < nowMs; ++it) lapsed.push_back(it->second);
  for (uint64_t seq : lapsed) {
    JobRecord& job = jobs_.at(seq);
    unindex(seq, job);
    jobs::recoverStalled(job, nowMs);
    index(seq, job);
    if (job.state == jobs::kWaiting) wake(job.queue);
  }
  return lapsed.size();
}

std::string MemoryJobStore::statsJson(int64_t nowMs) {
  std::map<std::string, jobs::QueueCounts> out;
  std::lock_guard lock(mutex_);
  for (const auto& [name, q] : queues_) {
    // A queue someone waited on but never used, or purged empty, is not listed.
    if (std::all_of(q.states.begin(), q.states.end(), [](const auto& s) { return s.second == 0; })) continue;
    jobs::QueueCounts& c = out[name];
    for (const auto& [state, n] : q.states) c.add(state, false, n);
    // Delayed: the waiting jobs past now, the tail of each priority's set.
    for (const auto& waiting : q.waiting) {
      const auto firstDelayed = waiting.upper_bound({nowMs, std::numeric_limits<uint64_t>::max()});
      const auto delayed = static_cast<int64_t>(std::distance(firstDelayed, waiting.end()));
      c.waiting -= delayed;
      c.delayed += delayed;
    }
  }
  return jobs::statsJson(out);
}

uint64_t MemoryJobStore::purge(int64_t beforeMs) {
  std::lock_guard lock(mutex_);
  uint64_t purged = 0;
  while (!finished_.empty() && finished_.begin()->first < beforeMs) {
    const uint64_t seq = finished_.begin()->second;
    auto it = jobs_.find(seq);
    unindex(seq, it->second);
    ids_.erase(it->second.id);
    jobs_.erase(it);
    ++purged;
  }
  return purged;
}

void MemoryJobStore::wait(std::string_view queue, int64_t timeoutMs) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max<int64_t>(0, timeoutMs));
  std::unique_lock lock(mutex_);
  QueueIndex& q = queues_[std::string(queue)];
  const uint64_t seen = q.wakeups;
  // The earliest run_at_ms of the queue's waiting jobs: runnable now means
  // return at once; in the future caps the sleep so a delayed job is noticed.
  int64_t next = std::numeric_limits<int64_t>::max();
  for (const auto& waiting : q.waiting) {
    if (!waiting.empty()) next = std::min(next, waiting.begin()->first);
  }
  const int64_t now = now_();
  if (next <= now) return;
  auto until = deadline;
  if (next != std::numeric_limits<int64_t>::max()) {
    until = std::min(until, std::chrono::steady_clock::now() + std::chrono::milliseconds(next - now));
  }
  wakeup_.wait_until(lock, until, [&] { return q.wakeups != seen; });
}

}  // namespace wno::memory_job_store
