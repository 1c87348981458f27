// The `sqlite` job store as an SDK component: SqliteJobStore (no ABI types)
// behind wno::sdk::JobStore. Errors are exceptions, as in every job store:
// a refused transition is its status and reason (jobs::report), a busy
// database WNO_ERR_UNAVAILABLE (retry later), any other database failure
// WNO_ERR_INTERNAL; the SDK's boundary turns them into status and set_error.
// Config: {"path":"./data/jobs.db","busy_timeout_ms":5000,"pool_size":4}
#pragma once

#include "sqlite_job_store.h"

#include <wno/sdk/sdk.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace wno::sqlite {

class SqliteJobStoreComponent : public wno::sdk::JobStore {
 public:
  SqliteJobStoreComponent(wno::sdk::Host host, std::string_view configJson) {
    const DatabaseOptions options = databaseOptionsFrom(configJson, {"./data/jobs.db", 4, 5000});
    try {
      store_ = std::make_unique<SqliteJobStore>(options, [host] { return host.nowMs(); });
    } catch (const std::exception& e) {
      throw wno::sdk::Error(WNO_ERR_UNAVAILABLE, "cannot open job database " + options.path + ": " + e.what());
    }
  }

  bool enqueue(std::string_view jobJson, wno::sdk::Writer& job) override {
    auto [created, record] = mapped([&] { return store_->enqueue(jobJson); });
    job.write(record);
    return created;
  }
  void enqueueMany(std::string_view jobsJson, size_t count, wno::sdk::Writer& jobs, int32_t* created) {
    const auto stored = mapped([&] { return store_->enqueueMany(jobsJson, count); });
    for (size_t i = 0; i < stored.size(); ++i) {
      if (created) created[i] = stored[i].first ? 1 : 0;
      if (!jobs.write(stored[i].second)) return;
    }
  }
  void finishMany(std::string_view worker, std::string_view itemsJson, size_t count, wno_status* statuses,
                  wno::sdk::Writer& refusals) {
    const auto outcomes = mapped([&] { return store_->finishMany(worker, itemsJson, count); });
    for (size_t i = 0; i < outcomes.size(); ++i) {
      statuses[i] = outcomes[i].status;
      if (!outcomes[i].ok()) refusals.write(jobs::refusalJson(i, outcomes[i].message));
    }
  }
  void claim(std::string_view queue, std::string_view worker, uint32_t maxJobs, int64_t nowMs, int64_t leaseMs,
             wno::sdk::Writer& jobs) override {
    writeAll(mapped([&] { return store_->claim(queue, worker, maxJobs, nowMs, leaseMs); }), jobs);
  }
  wno_status heartbeat(std::string_view id, std::string_view worker, int64_t nowMs, int64_t leaseMs) override {
    return jobs::report(mapped([&] { return store_->heartbeat(id, worker, nowMs, leaseMs); }));
  }
  wno_status complete(std::string_view id, std::string_view worker, int64_t nowMs,
                      std::string_view resultJson) override {
    return jobs::report(mapped([&] { return store_->complete(id, worker, nowMs, resultJson); }));
  }
  wno_status fail(std::string_view id, std::string_view worker, int64_t nowMs, std::string_view error,
                  int64_t retryAtMs) override {
    return jobs::report(mapped([&] { return store_->fail(id, worker, nowMs, error, retryAtMs); }));
  }
  wno_status cancel(std::string_view id, int64_t nowMs) override {
    return jobs::report(mapped([&] { return store_->cancel(id, nowMs); }));
  }
  wno_status retry(std::string_view id, int64_t nowMs) override {
    return jobs::report(mapped([&] { return store_->retry(id, nowMs); }));
  }
  bool get(std::string_view id, wno::sdk::Writer& job) override {
    const auto record = mapped([&] { return store_->get(id); });
    if (record) job.write(*record);
    return record.has_value();
  }
  void list(std::string_view filterJson, wno::sdk::Writer& jobs) override {
    writeAll(mapped([&] { return store_->list(filterJson); }), jobs);
  }
  uint64_t recoverStalled(int64_t nowMs) override { return mapped([&] { return store_->recoverStalled(nowMs); }); }
  std::string statsJson(int64_t nowMs) override { return mapped([&] { return store_->statsJson(nowMs); }); }
  uint64_t purge(int64_t beforeMs) override { return mapped([&] { return store_->purge(beforeMs); }); }
  wno_status wait(std::string_view queue, int64_t timeoutMs) override {
    mapped([&] { store_->wait(queue, timeoutMs); });
    return WNO_OK;
  }

 private:
  // Runs one store call, turning the database's own errors into the
  // statuses job_store.h gives them: busy (another process holds the file
  // lock past busy_timeout_ms) is worth a retry, anything else is not.
  template <typename Fn>
  static decltype(auto) mapped(Fn&& fn) {
    try {
      return fn();
    } catch (const SqliteError& e) {
      if (e.isBusy()) throw wno::sdk::Error(WNO_ERR_UNAVAILABLE, std::string("job database busy: ") + e.what());
      throw wno::sdk::Error(WNO_ERR_INTERNAL, std::string("job database: ") + e.what());
    }
  }
  static void writeAll(const std::vector<std::string>& records, wno::sdk::Writer& out) {
    for (const auto& record : records) {
      if (!out.write(record)) return;
    }
  }

  std::unique_ptr<SqliteJobStore> store_;
};

}  // namespace wno::sqlite
