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

namespace wno::sqlite {

class SqliteJobStoreComponent : public wno::sdk::JobStore {
 public:
  SqliteJobStoreComponent(wno::sdk::Host host, std::string_view configJson);

  bool enqueue(std::string_view jobJson, wno::sdk::Writer& job) override;
  void enqueueMany(std::string_view jobsJson, size_t count, wno::sdk::Writer& jobs, int32_t* created);
  void finishMany(std::string_view worker, std::string_view itemsJson, size_t count, wno_status* statuses,
                  wno::sdk::Writer& refusals);
  void claim(std::string_view queue, std::string_view worker, uint32_t maxJobs, int64_t nowMs, int64_t leaseMs,
             wno::sdk::Writer& jobs) override;
  wno_status heartbeat(std::string_view id, std::string_view worker, int64_t nowMs, int64_t leaseMs) override;
  wno_status complete(std::string_view id, std::string_view worker, int64_t nowMs,
                      std::string_view resultJson) override;
  wno_status fail(std::string_view id, std::string_view worker, int64_t nowMs, std::string_view error,
                  int64_t retryAtMs) override;
  wno_status cancel(std::string_view id, int64_t nowMs) override;
  wno_status retry(std::string_view id, int64_t nowMs) override;
  bool get(std::string_view id, wno::sdk::Writer& job) override;
  void list(std::string_view filterJson, wno::sdk::Writer& jobs) override;
  uint64_t recoverStalled(int64_t nowMs) override;
  std::string statsJson(int64_t nowMs) override;
  uint64_t purge(int64_t beforeMs) override;
  wno_status wait(std::string_view queue, int64_t timeoutMs) override;

 private:
  std::unique_ptr<SqliteJobStore> store_;
};

}  // namespace wno::sqlite
