// Test-side client of one job store instance: loads the real plugin .so
// through the host's PluginManager, creates the component through
// JobStoreInstance and calls the C vtable exactly as the host does, turning
// sinks into vectors of parsed records. Shared by the conformance suite,
// the claimer helper process and the benchmark.
#pragma once

#include "plugins/component_instance.h"
#include "plugins/plugin_manager.h"
#include "services/host_api.h"
#include "services/host_services.h"

#include <nlohmann/json.hpp>
#include <wno/sdk/sinks.hpp>

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace wno::test {

using nlohmann::json;

// Collects every sink write.
struct Collected {
  std::vector<std::string> items;
  wno_sink sink = wno::sdk::sinkAppending(items);
  std::vector<json> records() const {
    std::vector<json> out;
    for (const auto& item : items) out.push_back(json::parse(item));
    return out;
  }
};

inline wno_str str(const std::string& s) { return wno_str{s.data(), s.size()}; }

struct Enqueued {
  host::Status status;
  json record;
  bool created = false;
};

class JobStoreClient {
 public:
  explicit JobStoreClient(std::unique_ptr<host::JobStoreInstance> instance) : instance_(std::move(instance)) {}

  const wno_type_job_store& vt() const { return instance_->vtable(); }

  Enqueued enqueue(const json& job) const { return enqueueText(job.dump()); }
  Enqueued enqueueText(const std::string& text) const {
    Collected out;
    int32_t created = -1;
    Enqueued r;
    r.status = instance_->call("on_enqueue", vt().on_enqueue, str(text), &out.sink, &created);
    if (r.status.isOk()) {
      if (out.items.size() != 1) throw std::runtime_error("on_enqueue wrote " + std::to_string(out.items.size()) + " records");
      r.record = json::parse(out.items[0]);
      r.created = created == 1;
    }
    return r;
  }
  // on_enqueue_many (ABI 1.1); created gets one flag per job.
  struct EnqueuedMany {
    host::Status status;
    std::vector<json> records;
    std::vector<int32_t> created;
  };
  EnqueuedMany enqueueMany(const json& jobs, size_t count) const { return enqueueManyText(jobs.dump(), count); }
  EnqueuedMany enqueueManyText(const std::string& text, size_t count) const {
    if (!vt().on_enqueue_many) throw std::runtime_error("the store has no on_enqueue_many");
    Collected out;
    EnqueuedMany r;
    r.created.assign(count, -1);
    r.status = instance_->call("on_enqueue_many", vt().on_enqueue_many, str(text), count, &out.sink, r.created.data());
    if (r.status.isOk()) r.records = out.records();
    return r;
  }
  // on_finish_many (ABI 1.1): the call's status, each item's status, and
  // the refusal message per index.
  struct Finished {
    host::Status status;
    std::vector<wno_status> statuses;
    std::map<size_t, std::string> messages;
  };
  Finished finishMany(const std::string& worker, const json& items) const {
    if (!vt().on_finish_many) throw std::runtime_error("the store has no on_finish_many");
    Collected out;
    Finished r;
    r.statuses.assign(items.size(), -1);
    const std::string text = items.dump();
    r.status = instance_->call("on_finish_many", vt().on_finish_many, str(worker), str(text), items.size(),
                               r.statuses.data(), &out.sink);
    for (const auto& refusal : out.records()) r.messages[refusal["index"].get<size_t>()] = refusal["message"];
    return r;
  }
  // on_heartbeat_many (ABI 1.3): the call's status and each id's status.
  struct Renewed {
    host::Status status;
    std::vector<wno_status> statuses;
  };
  Renewed heartbeatMany(const std::string& worker, const std::vector<std::string>& ids, int64_t now,
                        int64_t lease = 30000) const {
    if (!vt().on_heartbeat_many) throw std::runtime_error("the store has no on_heartbeat_many");
    std::vector<wno_str> views;
    for (const auto& id : ids) views.push_back(str(id));
    Renewed r;
    r.statuses.assign(ids.size(), -1);
    r.status = instance_->call("on_heartbeat_many", vt().on_heartbeat_many, str(worker), views.data(), views.size(),
                               now, lease, r.statuses.data());
    return r;
  }
  std::vector<json> claim(const std::string& queue, const std::string& worker, uint32_t max, int64_t now,
                          int64_t lease = 30000, host::Status* status = nullptr) const {
    Collected out;
    host::Status s = instance_->call("on_claim", vt().on_claim, str(queue), str(worker), max, now, lease, &out.sink);
    if (status) *status = s;
    else if (!s.isOk()) throw std::runtime_error("on_claim: " + s.message());
    return out.records();
  }
  host::Status heartbeat(const std::string& id, const std::string& worker, int64_t now, int64_t lease = 30000) const {
    return instance_->call("on_heartbeat", vt().on_heartbeat, str(id), str(worker), now, lease);
  }
  host::Status complete(const std::string& id, const std::string& worker, int64_t now,
                        const std::string& result = "") const {
    return instance_->call("on_complete", vt().on_complete, str(id), str(worker), now, str(result));
  }
  host::Status fail(const std::string& id, const std::string& worker, int64_t now, const std::string& error,
                    int64_t retryAt) const {
    return instance_->call("on_fail", vt().on_fail, str(id), str(worker), now, str(error), retryAt);
  }
  host::Status cancel(const std::string& id, int64_t now) const {
    return instance_->call("on_cancel", vt().on_cancel, str(id), now);
  }
  host::Status retry(const std::string& id, int64_t now) const {
    return instance_->call("on_retry", vt().on_retry, str(id), now);
  }
  std::optional<json> get(const std::string& id) const {
    auto text = getText(id);
    if (!text) return std::nullopt;
    return json::parse(*text);
  }
  // The record exactly as the store wrote it.
  std::optional<std::string> getText(const std::string& id) const {
    Collected out;
    host::Status s = instance_->call("on_get", vt().on_get, str(id), &out.sink);
    if (s.code() == WNO_NOT_FOUND) return std::nullopt;
    if (!s.isOk()) throw std::runtime_error("on_get: " + s.message());
    return out.items.at(0);
  }
  std::vector<json> list(const json& filter, host::Status* status = nullptr) const {
    Collected out;
    const std::string text = filter.dump();
    host::Status s = instance_->call("on_list", vt().on_list, str(text), &out.sink);
    if (status) *status = s;
    else if (!s.isOk()) throw std::runtime_error("on_list: " + s.message());
    return out.records();
  }
  uint64_t recoverStalled(int64_t now) const {
    uint64_t n = 0;
    host::Status s = instance_->call("on_recover_stalled", vt().on_recover_stalled, now, &n);
    if (!s.isOk()) throw std::runtime_error("on_recover_stalled: " + s.message());
    return n;
  }
  json stats(int64_t now) const {
    Collected out;
    host::Status s = instance_->call("on_stats", vt().on_stats, now, &out.sink);
    if (!s.isOk()) throw std::runtime_error("on_stats: " + s.message());
    return json::parse(out.items.at(0));
  }
  uint64_t purge(int64_t before) const {
    uint64_t n = 0;
    host::Status s = instance_->call("on_purge", vt().on_purge, before, &n);
    if (!s.isOk()) throw std::runtime_error("on_purge: " + s.message());
    return n;
  }
  host::Status wait(const std::string& queue, int64_t timeoutMs) const {
    return instance_->call("on_wait", vt().on_wait, str(queue), timeoutMs);
  }

 private:
  std::unique_ptr<host::JobStoreInstance> instance_;
};

// The plugins every job store lives in, loaded once through the host's manager.
class JobStorePlugins {
 public:
  explicit JobStorePlugins(const std::string& pluginDir) {
    for (const char* name : {"memory_job_store", "sqlite", "postgres"}) {
      host::PluginSpec spec;
      spec.name = name;
      host::PluginRefusal refusal;
      if (!manager_.load(spec, {pluginDir}, refusal).isOk()) throw std::runtime_error(refusal.line());
    }
  }
  // component: "memory", "sqlite" or "postgres". Throws with the plugin's message.
  host::Result<std::unique_ptr<JobStoreClient>> open(const std::string& component, const json& config) {
    auto type = manager_.find(WNO_KIND_JOB_STORE, component);
    if (!type) return host::Status(WNO_NOT_FOUND, "no job store component \"" + component + "\"");
    auto instance = host::JobStoreInstance::create(type, host::hostApiTable(), &services_, "jobs", config);
    if (!instance.isOk()) return instance.status();
    return std::make_unique<JobStoreClient>(std::move(instance).value());
  }

 private:
  host::HostServices services_;
  host::PluginManager manager_{host::hostApiTable(), &services_};
};

}  // namespace wno::test
