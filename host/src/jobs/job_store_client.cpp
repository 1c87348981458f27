#include "jobs/job_store_client.h"

#include "common/json_string.h"
#include "data/row_text.h"
#include "services/sink_collector.h"

namespace wno::host::jobs {
namespace {

using common::appendJsonString;

using nlohmann::json;

wno_str view(const std::string& s) { return wno_str{s.data(), s.size()}; }

Result<std::vector<json>> parseAll(const std::vector<std::string>& items, const char* hook) {
  std::vector<json> out;
  out.reserve(items.size());
  for (const auto& item : items) {
    auto j = json::parse(item, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return Status(WNO_ERR_INTERNAL, std::string("the job store wrote a record that is not a JSON object from ") + hook);
    }
    out.push_back(std::move(j));
  }
  return out;
}

// on_heartbeat_many answers with statuses alone; the reason, as the
// single hook would have given it, is rebuilt from the status.
std::string leaseRefusal(wno_status status, const std::string& id) {
  const std::string job = "job \"" + id + "\"";
  switch (status) {
    case WNO_ERR_CANCELLED: return job + " was cancelled";
    case WNO_ERR_PRECONDITION: return "this worker no longer holds " + job + "'s lease";
    case WNO_NOT_FOUND: return job + " does not exist";
    default: return "renewing " + job + "'s lease failed: " + statusName(status);
  }
}

}  // namespace

Result<JobStoreClient::EnqueuedText> JobStoreClient::enqueueText(const std::string& record) {
  SinkCollector out;
  const wno_sink sink = out.sink();
  int32_t created = 0;
  Status s = store_->call("on_enqueue", store_->vtable().on_enqueue, view(record), &sink, &created);
  if (!s.isOk()) return s;
  if (out.items.empty()) return Status(WNO_ERR_INTERNAL, "the job store enqueued a job but wrote no record");
  return EnqueuedText{std::move(out.items.front()), created != 0};
}

Result<JobStoreClient::Enqueued> JobStoreClient::enqueue(const json& record) {
  auto stored = enqueueText(record.dump());
  if (!stored.isOk()) return stored.status();
  auto records = parseAll({stored.value().record}, "on_enqueue");
  if (!records.isOk()) return records.status();
  return Enqueued{std::move(records.value().front()), stored.value().created};
}

Result<std::vector<JobStoreClient::EnqueuedText>> JobStoreClient::enqueueManyText(
    const std::vector<std::string>& records) {
  std::vector<EnqueuedText> out;
  if (records.empty()) return out;
  out.reserve(records.size());
  if (!hasEnqueueMany()) {
    for (const auto& record : records) {
      auto one = enqueueText(record);
      if (!one.isOk()) return one.status();
      out.push_back(std::move(one).value());
    }
    return out;
  }
  size_t size = 2;
  for (const auto& record : records) size += record.size() + 1;
  std::string text;
  text.reserve(size);  // one allocation for a multi-MB batch
  text += '[';
  for (size_t i = 0; i < records.size(); ++i) {
    if (i) text += ',';
    text += records[i];
  }
  text += ']';
  SinkCollector collected;
  const wno_sink sink = collected.sink();
  std::vector<int32_t> created(records.size(), 0);
  Status s = store_->call("on_enqueue_many", store_->vtable().on_enqueue_many, view(text), records.size(), &sink,
                          created.data());
  if (!s.isOk()) return s;
  if (collected.items.size() != records.size()) {
    return Status(WNO_ERR_INTERNAL, "the job store wrote " + std::to_string(collected.items.size()) + " records for " +
                                        std::to_string(records.size()) + " jobs from on_enqueue_many");
  }
  for (size_t i = 0; i < records.size(); ++i) out.push_back({std::move(collected.items[i]), created[i] != 0});
  return out;
}

Result<std::vector<Status>> JobStoreClient::finishMany(const std::string& worker, const std::vector<Finish>& items) {
  std::vector<Status> out;
  if (items.empty()) return out;
  using Kind = Finish::Kind;
  if (store_->vtable().on_finish_many == nullptr) {
    for (const auto& f : items) {
      if (f.kind == Kind::Complete) out.push_back(complete(f.id, worker, f.nowMs, f.resultJson));
      else out.push_back(fail(f.id, worker, f.nowMs, f.error, f.kind == Kind::Release ? f.nowMs : f.retryAtMs));
    }
    return out;
  }
  // Written directly, not through a document: one of these per batch of
  // finished jobs, at tens of thousands of jobs a second.
  std::string text = "[";
  text.reserve(items.size() * 96);
  for (size_t i = 0; i < items.size(); ++i) {
    const auto& f = items[i];
    text += i ? ",{\"id\":" : "{\"id\":";
    appendJsonString(text, f.id);
    text += ",\"now_ms\":";
    text += std::to_string(f.nowMs);
    if (f.kind == Kind::Complete) {
      text += ",\"outcome\":\"complete\",\"result\":";
      // The runner hands over one JSON value; anything else goes as a string.
      if (data::isJsonValue(f.resultJson)) text += f.resultJson;
      else appendJsonString(text, f.resultJson);
    } else {
      text += f.kind == Kind::Fail ? ",\"outcome\":\"fail\",\"error\":" : ",\"outcome\":\"release\",\"error\":";
      // Handler errors may carry invalid UTF-8: replaced, not refused.
      appendJsonString(text, f.error);
      if (f.kind == Kind::Fail) {
        text += ",\"retry_at_ms\":";
        text += std::to_string(f.retryAtMs);
      }
    }
    text += '}';
  }
  text += ']';
  std::vector<wno_status> statuses(items.size(), WNO_OK);
  SinkCollector refusals;
  const wno_sink sink = refusals.sink();
  Status s = store_->call("on_finish_many", store_->vtable().on_finish_many, view(worker), view(text), items.size(),
                          statuses.data(), &sink);
  if (!s.isOk()) return s;
  std::vector<std::string> messages(items.size());
  for (const auto& r : refusals.items) {
    auto j = json::parse(r, nullptr, false);
    if (j.is_object() && j.value("index", items.size()) < items.size()) messages[j["index"].get<size_t>()] = j.value("message", "");
  }
  out.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    out.push_back(statuses[i] == WNO_OK ? Status::ok() : Status(statuses[i], messages[i]));
  }
  return out;
}

Result<std::vector<ClaimedJob>> JobStoreClient::claim(const std::string& queue, const std::string& worker,
                                                      uint32_t maxJobs, int64_t nowMs, int64_t leaseMs) {
  SinkCollector out;
  const wno_sink sink = out.sink();
  Status s = store_->call("on_claim", store_->vtable().on_claim, view(queue), view(worker), maxJobs, nowMs, leaseMs,
                          &sink);
  if (!s.isOk()) return s;
  std::vector<ClaimedJob> jobs;
  jobs.reserve(out.items.size());
  std::string error;
  for (const auto& item : out.items) {
    auto job = readClaimedJob(item, error);
    if (!job) return Status(WNO_ERR_INTERNAL, "the job store wrote a malformed record from on_claim: " + error);
    jobs.push_back(std::move(*job));
  }
  return jobs;
}

Status JobStoreClient::heartbeat(const std::string& id, const std::string& worker, int64_t nowMs, int64_t leaseMs) {
  return store_->call("on_heartbeat", store_->vtable().on_heartbeat, view(id), view(worker), nowMs, leaseMs);
}

Result<std::vector<Status>> JobStoreClient::heartbeatMany(const std::vector<std::string>& ids,
                                                         const std::string& worker, int64_t nowMs, int64_t leaseMs) {
  std::vector<Status> out;
  out.reserve(ids.size());
  if (ids.empty()) return out;
  if (!hasHeartbeatMany()) {
    for (const auto& id : ids) out.push_back(heartbeat(id, worker, nowMs, leaseMs));
    return out;
  }
  std::vector<wno_str> views;
  views.reserve(ids.size());
  for (const auto& id : ids) views.push_back(view(id));
  std::vector<wno_status> statuses(ids.size(), WNO_ERR_INTERNAL);
  Status s = store_->call("on_heartbeat_many", store_->vtable().on_heartbeat_many, view(worker), views.data(),
                          views.size(), nowMs, leaseMs, statuses.data());
  if (!s.isOk()) return s;
  for (size_t i = 0; i < ids.size(); ++i) {
    out.push_back(statuses[i] == WNO_OK ? Status::ok() : Status(statuses[i], leaseRefusal(statuses[i], ids[i])));
  }
  return out;
}

Status JobStoreClient::complete(const std::string& id, const std::string& worker, int64_t nowMs,
                                const std::string& resultJson) {
  return store_->call("on_complete", store_->vtable().on_complete, view(id), view(worker), nowMs, view(resultJson));
}

Status JobStoreClient::fail(const std::string& id, const std::string& worker, int64_t nowMs, const std::string& error,
                            int64_t retryAtMs) {
  return store_->call("on_fail", store_->vtable().on_fail, view(id), view(worker), nowMs, view(error), retryAtMs);
}

Status JobStoreClient::cancel(const std::string& id, int64_t nowMs) {
  return store_->call("on_cancel", store_->vtable().on_cancel, view(id), nowMs);
}

Status JobStoreClient::retry(const std::string& id, int64_t nowMs) {
  return store_->call("on_retry", store_->vtable().on_retry, view(id), nowMs);
}

Result<std::optional<json>> JobStoreClient::get(const std::string& id) {
  SinkCollector out;
  const wno_sink sink = out.sink();
  Status s = store_->call("on_get", store_->vtable().on_get, view(id), &sink);
  if (s.code() == WNO_NOT_FOUND) return std::optional<json>();
  if (!s.isOk()) return s;
  auto records = parseAll(out.items, "on_get");
  if (!records.isOk()) return records.status();
  if (records.value().empty()) return std::optional<json>();
  return std::optional<json>(std::move(records.value().front()));
}

Result<std::vector<json>> JobStoreClient::list(const json& filter) {
  const std::string text = filter.dump();
  SinkCollector out;
  const wno_sink sink = out.sink();
  Status s = store_->call("on_list", store_->vtable().on_list, view(text), &sink);
  if (!s.isOk()) return s;
  return parseAll(out.items, "on_list");
}

Result<uint64_t> JobStoreClient::recoverStalled(int64_t nowMs) {
  uint64_t recovered = 0;
  Status s = store_->call("on_recover_stalled", store_->vtable().on_recover_stalled, nowMs, &recovered);
  if (!s.isOk()) return s;
  return recovered;
}

Result<json> JobStoreClient::stats(int64_t nowMs) {
  SinkCollector out;
  const wno_sink sink = out.sink();
  Status s = store_->call("on_stats", store_->vtable().on_stats, nowMs, &sink);
  if (!s.isOk()) return s;
  auto records = parseAll(out.items, "on_stats");
  if (!records.isOk()) return records.status();
  if (records.value().empty()) return json{{"queues", json::object()}};
  return std::move(records.value().front());
}

Result<uint64_t> JobStoreClient::purge(int64_t beforeMs) {
  uint64_t purged = 0;
  Status s = store_->call("on_purge", store_->vtable().on_purge, beforeMs, &purged);
  if (!s.isOk()) return s;
  return purged;
}

Status JobStoreClient::wait(const std::string& queue, int64_t timeoutMs) {
  if (!canWait()) return Status(WNO_ERR_UNSUPPORTED, "the job store cannot wait");
  Status s = store_->call("on_wait", store_->vtable().on_wait, view(queue), timeoutMs);
  if (s.code() == WNO_ERR_UNSUPPORTED) waitUnsupported_.store(true);
  return s;
}

}  // namespace wno::host::jobs
