// The `memory` job store: MemoryJobStore behind the SDK's JobStore. Config: {}
// (nothing to set). Refusals are thrown (jobs::report), as in every store.
#include "memory_job_store.h"

#include <wno/sdk/config.hpp>
#include <wno/sdk/sdk.hpp>

#include <nlohmann/json.hpp>

namespace {

using wno::jobs::report;
using wno::memory_job_store::MemoryJobStore;

bool writeAll(const std::vector<std::string>& records, wno::sdk::Writer& out) {
  for (const auto& record : records) {
    if (!out.write(record)) return false;
  }
  return true;
}

class MemoryJobStoreComponent : public wno::sdk::JobStore {
 public:
  MemoryJobStoreComponent(wno::sdk::Host host, std::string_view configJson)
      : store_([host] { return host.nowMs(); }) {
    const wno::sdk::ComponentConfig noSettings(configJson, {});  // refuses any key
  }

  bool enqueue(std::string_view jobJson, wno::sdk::Writer& job) override {
    auto [created, record] = store_.enqueue(jobJson);
    job.write(record);
    return created;
  }
  void enqueueMany(std::string_view jobsJson, size_t count, wno::sdk::Writer& jobs, int32_t* created) {
    const auto stored = store_.enqueueMany(jobsJson, count);
    for (size_t i = 0; i < stored.size(); ++i) {
      if (created) created[i] = stored[i].first ? 1 : 0;
      if (!jobs.write(stored[i].second)) return;
    }
  }
  void finishMany(std::string_view worker, std::string_view itemsJson, size_t count, wno_status* statuses,
                  wno::sdk::Writer& refusals) {
    const auto outcomes = store_.finishMany(worker, itemsJson, count);
    for (size_t i = 0; i < outcomes.size(); ++i) {
      statuses[i] = outcomes[i].status;
      if (!outcomes[i].ok()) refusals.write(wno::jobs::refusalJson(i, outcomes[i].message));
    }
  }
  void claim(std::string_view queue, std::string_view worker, uint32_t maxJobs, int64_t nowMs, int64_t leaseMs,
             wno::sdk::Writer& jobs) override {
    writeAll(store_.claim(queue, worker, maxJobs, nowMs, leaseMs), jobs);
  }
  wno_status heartbeat(std::string_view id, std::string_view worker, int64_t nowMs, int64_t leaseMs) override {
    return report(store_.heartbeat(id, worker, nowMs, leaseMs));
  }
  wno_status complete(std::string_view id, std::string_view worker, int64_t nowMs,
                      std::string_view resultJson) override {
    return report(store_.complete(id, worker, nowMs, resultJson));
  }
  wno_status fail(std::string_view id, std::string_view worker, int64_t nowMs, std::string_view error,
                  int64_t retryAtMs) override {
    return report(store_.fail(id, worker, nowMs, error, retryAtMs));
  }
  wno_status cancel(std::string_view id, int64_t nowMs) override { return report(store_.cancel(id, nowMs)); }
  wno_status retry(std::string_view id, int64_t nowMs) override { return report(store_.retry(id, nowMs)); }
  bool get(std::string_view id, wno::sdk::Writer& job) override {
    auto record = store_.get(id);
    if (!record) return false;
    job.write(*record);
    return true;
  }
  void list(std::string_view filterJson, wno::sdk::Writer& jobs) override { writeAll(store_.list(filterJson), jobs); }
  uint64_t recoverStalled(int64_t nowMs) override { return store_.recoverStalled(nowMs); }
  std::string statsJson(int64_t nowMs) override { return store_.statsJson(nowMs); }
  uint64_t purge(int64_t beforeMs) override { return store_.purge(beforeMs); }
  wno_status wait(std::string_view queue, int64_t timeoutMs) override {
    store_.wait(queue, timeoutMs);
    return WNO_OK;
  }

 private:
  MemoryJobStore store_;
};

}  // namespace

WNO_PLUGIN("memory_job_store", "0.1.0", "In-process job store (not durable; for tests and single hosts)",
           WNO_JOB_STORE("memory", MemoryJobStoreComponent, "In-process job store (not durable)"));
