// One SDK job store component over any store with the shape the shipped
// ones share (memory_job_store.h, sqlite_job_store.h): records as JSON text
// out, jobs::Outcome for transitions. It reports every error one way, as
// the SDK does: a refused transition is thrown by jobs::report with its
// status and reason, and anything else the store throws reaches the SDK's
// boundary through `Calls::run`, where a store maps its own failures (the
// sqlite store's busy database) onto statuses.
// THREADS: as the store's; the component adds no state.
#pragma once

#include "jobs/job_batch.h"
#include "jobs/job_transitions.h"

#include <wno/sdk/sdk.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wno::jobs {

// Calls the store as it is: what it throws is already a wno::sdk::Error
// (jobs::InvalidInput) or a bug (WNO_ERR_INTERNAL at the boundary).
struct DirectCalls {
  template <typename Fn>
  static decltype(auto) run(Fn&& fn) {
    return fn();
  }
};

template <typename Store, typename Calls = DirectCalls>
class StoreComponent : public wno::sdk::JobStore {
 public:
  explicit StoreComponent(std::unique_ptr<Store> store) : store_(std::move(store)) {}

  bool enqueue(std::string_view jobJson, wno::sdk::Writer& job) override {
    auto [created, record] = Calls::run([&] { return store_->enqueue(jobJson); });
    job.write(record);
    return created;
  }
  void enqueueMany(std::string_view jobsJson, size_t count, wno::sdk::Writer& jobs, int32_t* created) {
    const auto stored = Calls::run([&] { return store_->enqueueMany(jobsJson, count); });
    for (size_t i = 0; i < stored.size(); ++i) {
      if (created) created[i] = stored[i].first ? 1 : 0;
      if (!jobs.write(stored[i].second)) return;
    }
  }
  void finishMany(std::string_view worker, std::string_view itemsJson, size_t count, wno_status* statuses,
                  wno::sdk::Writer& refusals) {
    const auto outcomes = Calls::run([&] { return store_->finishMany(worker, itemsJson, count); });
    for (size_t i = 0; i < outcomes.size(); ++i) {
      statuses[i] = outcomes[i].status;
      if (!outcomes[i].ok()) refusals.write(refusalJson(i, outcomes[i].message));
    }
  }
  void heartbeatMany(std::string_view worker, const std::vector<std::string_view>& ids, int64_t nowMs,
                     int64_t leaseMs, wno_status* statuses) {
    const auto outcomes = Calls::run([&] { return store_->heartbeatMany(worker, ids, nowMs, leaseMs); });
    for (size_t i = 0; i < outcomes.size(); ++i) statuses[i] = outcomes[i].status;
  }
  void claim(std::string_view queue, std::string_view worker, uint32_t maxJobs, int64_t nowMs, int64_t leaseMs,
             wno::sdk::Writer& jobs) override {
    writeAll(Calls::run([&] { return store_->claim(queue, worker, maxJobs, nowMs, leaseMs); }), jobs);
  }
  wno_status heartbeat(std::string_view id, std::string_view worker, int64_t nowMs, int64_t leaseMs) override {
    return report(Calls::run([&] { return store_->heartbeat(id, worker, nowMs, leaseMs); }));
  }
  wno_status complete(std::string_view id, std::string_view worker, int64_t nowMs,
                      std::string_view resultJson) override {
    return report(Calls::run([&] { return store_->complete(id, worker, nowMs, resultJson); }));
  }
  wno_status fail(std::string_view id, std::string_view worker, int64_t nowMs, std::string_view error,
                  int64_t retryAtMs) override {
    return report(Calls::run([&] { return store_->fail(id, worker, nowMs, error, retryAtMs); }));
  }
  wno_status cancel(std::string_view id, int64_t nowMs) override {
    return report(Calls::run([&] { return store_->cancel(id, nowMs); }));
  }
  wno_status retry(std::string_view id, int64_t nowMs) override {
    return report(Calls::run([&] { return store_->retry(id, nowMs); }));
  }
  bool get(std::string_view id, wno::sdk::Writer& job) override {
    const auto record = Calls::run([&] { return store_->get(id); });
    if (record) job.write(*record);
    return record.has_value();
  }
  void list(std::string_view filterJson, wno::sdk::Writer& jobs) override {
    writeAll(Calls::run([&] { return store_->list(filterJson); }), jobs);
  }
  uint64_t recoverStalled(int64_t nowMs) override { return Calls::run([&] { return store_->recoverStalled(nowMs); }); }
  std::string statsJson(int64_t nowMs) override { return Calls::run([&] { return store_->statsJson(nowMs); }); }
  uint64_t purge(int64_t beforeMs) override { return Calls::run([&] { return store_->purge(beforeMs); }); }
  wno_status wait(std::string_view queue, int64_t timeoutMs) override {
    Calls::run([&] { store_->wait(queue, timeoutMs); });
    return WNO_OK;
  }

 private:
  static void writeAll(const std::vector<std::string>& records, wno::sdk::Writer& out) {
    for (const auto& record : records) {
      if (!out.write(record)) return;
    }
  }

  std::unique_ptr<Store> store_;
};

}  // namespace wno::jobs
