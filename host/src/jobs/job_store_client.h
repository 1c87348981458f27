// The job store component behind typed C++ calls: JSON in and out, every
// hook through ComponentInstance::call so a failing or throwing store
// becomes a Status. THREADS: safe from any thread (the store's contract).
#pragma once

#include "core/status.h"
#include "jobs/claimed_job.h"
#include "plugins/component_instance.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace wno::host::jobs {

class JobStoreClient {
 public:
  explicit JobStoreClient(std::unique_ptr<JobStoreInstance> instance) : store_(std::move(instance)) {}

  struct Enqueued {
    nlohmann::json record;
    bool created = false;
  };
  Result<Enqueued> enqueue(const nlohmann::json& record);
  // Several records, as JSON text, in one store transaction
  // (on_enqueue_many), one result per record in order, the stored records
  // as text (thousands per bulk request): a created record is the one sent,
  // so a caller holding it parses only the existing ones. A 1.0 store
  // without the hook: one on_enqueue each (then not one transaction, and the
  // first failure fails the call).
  struct EnqueuedText {
    std::string record;
    bool created = false;
  };
  Result<std::vector<EnqueuedText>> enqueueManyText(const std::vector<std::string>& records);
  bool hasEnqueueMany() const { return store_->vtable().on_enqueue_many != nullptr; }

  // The end of one attempt, for finishMany.
  struct Finish {
    enum class Kind { Complete, Fail, Release };
    Kind kind = Kind::Complete;
    std::string id;
    int64_t nowMs = 0;
    std::string resultJson = "null";  // Complete
    std::string error;                // Fail, Release
    int64_t retryAtMs = -1;           // Fail
  };
  // Ends several attempts held by worker in one transaction
  // (on_finish_many): one Status per item. A 1.0 store: one on_complete /
  // on_fail each, and a release becomes a failure retried now (it then
  // counts as an attempt; only 1.1 stores can hand a job back uncounted).
  Result<std::vector<Status>> finishMany(const std::string& worker, const std::vector<Finish>& items);

  Result<std::vector<ClaimedJob>> claim(const std::string& queue, const std::string& worker, uint32_t maxJobs,
                                        int64_t nowMs, int64_t leaseMs);
  Status heartbeat(const std::string& id, const std::string& worker, int64_t nowMs, int64_t leaseMs);
  // Renews several leases in one round trip (on_heartbeat_many): one Status
  // per id, as heartbeat() would answer it. A store older than 1.3: one
  // on_heartbeat each.
  Result<std::vector<Status>> heartbeatMany(const std::vector<std::string>& ids, const std::string& worker,
                                            int64_t nowMs, int64_t leaseMs);
  bool hasHeartbeatMany() const { return store_->vtable().on_heartbeat_many != nullptr; }
  Status complete(const std::string& id, const std::string& worker, int64_t nowMs, const std::string& resultJson);
  Status fail(const std::string& id, const std::string& worker, int64_t nowMs, const std::string& error,
              int64_t retryAtMs);
  Status cancel(const std::string& id, int64_t nowMs);
  Status retry(const std::string& id, int64_t nowMs);
  Result<std::optional<nlohmann::json>> get(const std::string& id);
  Result<std::vector<nlohmann::json>> list(const nlohmann::json& filter);
  Result<uint64_t> recoverStalled(int64_t nowMs);
  Result<nlohmann::json> stats(int64_t nowMs);
  Result<uint64_t> purge(int64_t beforeMs);
  // True when the store can block until work may be there (LISTEN/NOTIFY).
  // A store may have the hook yet answer WNO_ERR_UNSUPPORTED (the SDK's
  // default); from then on the host polls.
  bool canWait() const { return store_->vtable().on_wait != nullptr && !waitUnsupported_.load(); }
  Status wait(const std::string& queue, int64_t timeoutMs);

  const std::string& name() const { return store_->type().name; }

 private:
  // One record through on_enqueue, the stored record left as text.
  Result<EnqueuedText> enqueueText(const std::string& record);

  std::unique_ptr<JobStoreInstance> store_;
  std::atomic<bool> waitUnsupported_{false};
};

}  // namespace wno::host::jobs
