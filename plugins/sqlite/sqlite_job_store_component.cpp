#include "sqlite_job_store_component.h"

#include <utility>
#include <vector>

namespace wno::sqlite {
namespace {

using jobs::report;

// Runs one store call, turning the database's own errors into the statuses
// job_store.h gives them: busy (another process holds the file lock past
// busy_timeout_ms) is worth a retry, anything else is not.
template <typename Fn>
decltype(auto) mapped(Fn&& fn) {
  try {
    return fn();
  } catch (const SqliteError& e) {
    if (e.isBusy()) throw wno::sdk::Error(WNO_ERR_UNAVAILABLE, std::string("job database busy: ") + e.what());
    throw wno::sdk::Error(WNO_ERR_INTERNAL, std::string("job database: ") + e.what());
  }
}

void writeAll(const std::vector<std::string>& records, wno::sdk::Writer& out) {
  for (const auto& record : records) {
    if (!out.write(record)) return;
  }
}

}  // namespace

SqliteJobStoreComponent::SqliteJobStoreComponent(wno::sdk::Host host, std::string_view configJson) {
  const DatabaseOptions options = databaseOptionsFrom(configJson, {"./data/jobs.db", 4, 5000});
  try {
    store_ = std::make_unique<SqliteJobStore>(options, [host] { return host.nowMs(); });
  } catch (const std::exception& e) {
    throw wno::sdk::Error(WNO_ERR_UNAVAILABLE, "cannot open job database " + options.path + ": " + e.what());
  }
}

bool SqliteJobStoreComponent::enqueue(std::string_view jobJson, wno::sdk::Writer& job) {
  auto [created, record] = mapped([&] { return store_->enqueue(jobJson); });
  job.write(record);
  return created;
}

void SqliteJobStoreComponent::enqueueMany(std::string_view jobsJson, size_t count, wno::sdk::Writer& jobs,
                                          int32_t* created) {
  const auto stored = mapped([&] { return store_->enqueueMany(jobsJson, count); });
  for (size_t i = 0; i < stored.size(); ++i) {
    if (created) created[i] = stored[i].first ? 1 : 0;
    if (!jobs.write(stored[i].second)) return;
  }
}

void SqliteJobStoreComponent::finishMany(std::string_view worker, std::string_view itemsJson, size_t count,
                                         wno_status* statuses, wno::sdk::Writer& refusals) {
  const auto outcomes = mapped([&] { return store_->finishMany(worker, itemsJson, count); });
  for (size_t i = 0; i < outcomes.size(); ++i) {
    statuses[i] = outcomes[i].status;
    if (!outcomes[i].ok()) refusals.write(jobs::refusalJson(i, outcomes[i].message));
  }
}

void SqliteJobStoreComponent::claim(std::string_view queue, std::string_view worker, uint32_t maxJobs, int64_t nowMs,
                                    int64_t leaseMs, wno::sdk::Writer& jobs) {
  writeAll(mapped([&] { return store_->claim(queue, worker, maxJobs, nowMs, leaseMs); }), jobs);
}

wno_status SqliteJobStoreComponent::heartbeat(std::string_view id, std::string_view worker, int64_t nowMs,
                                              int64_t leaseMs) {
  return report(mapped([&] { return store_->heartbeat(id, worker, nowMs, leaseMs); }));
}

wno_status SqliteJobStoreComponent::complete(std::string_view id, std::string_view worker, int64_t nowMs,
                                             std::string_view resultJson) {
  return report(mapped([&] { return store_->complete(id, worker, nowMs, resultJson); }));
}

wno_status SqliteJobStoreComponent::fail(std::string_view id, std::string_view worker, int64_t nowMs,
                                         std::string_view error, int64_t retryAtMs) {
  return report(mapped([&] { return store_->fail(id, worker, nowMs, error, retryAtMs); }));
}

wno_status SqliteJobStoreComponent::cancel(std::string_view id, int64_t nowMs) {
  return report(mapped([&] { return store_->cancel(id, nowMs); }));
}

wno_status SqliteJobStoreComponent::retry(std::string_view id, int64_t nowMs) {
  return report(mapped([&] { return store_->retry(id, nowMs); }));
}

bool SqliteJobStoreComponent::get(std::string_view id, wno::sdk::Writer& job) {
  const auto record = mapped([&] { return store_->get(id); });
  if (!record) return false;
  job.write(*record);
  return true;
}

void SqliteJobStoreComponent::list(std::string_view filterJson, wno::sdk::Writer& jobs) {
  writeAll(mapped([&] { return store_->list(filterJson); }), jobs);
}

uint64_t SqliteJobStoreComponent::recoverStalled(int64_t nowMs) {
  return mapped([&] { return store_->recoverStalled(nowMs); });
}

std::string SqliteJobStoreComponent::statsJson(int64_t nowMs) {
  return mapped([&] { return store_->statsJson(nowMs); });
}

uint64_t SqliteJobStoreComponent::purge(int64_t beforeMs) {
  return mapped([&] { return store_->purge(beforeMs); });
}

wno_status SqliteJobStoreComponent::wait(std::string_view queue, int64_t timeoutMs) {
  mapped([&] { store_->wait(queue, timeoutMs); });
  return WNO_OK;
}

}  // namespace wno::sqlite
