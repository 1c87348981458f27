#include "jobs/job_service.h"

#include "core/logger.h"
#include "core/utc_time.h"
#include "protection/breaker_call.h"

#include <unistd.h>

#include <random>
#include <set>

namespace wno::host::jobs {
namespace {

using nlohmann::json;

constexpr int64_t kPurgeIntervalMs = 3600 * 1000;
// After the grace, running handlers are asked to stop; this is how long
// they get to notice before their jobs are given back regardless.
constexpr auto kStopNoticeTime = std::chrono::milliseconds(2000);

// One group-commit batch. A store without on_enqueue_many, or a batch the
// store refuses as invalid (one bad record would fail its neighbours), goes
// job by job so each caller gets its own answer.
std::vector<Result<JobStoreClient::Enqueued>> storeBatch(JobStoreClient& store, const std::vector<json>& records) {
  std::vector<Result<JobStoreClient::Enqueued>> out;
  out.reserve(records.size());
  if (store.hasEnqueueMany() && records.size() > 1) {
    std::vector<std::string> texts;
    texts.reserve(records.size());
    for (const auto& record : records) texts.push_back(record.dump());
    auto batch = store.enqueueManyText(texts);
    if (batch.isOk()) {
      for (size_t i = 0; i < records.size(); ++i) {
        auto& e = batch.value()[i];
        // A created job is the record sent; only an existing one is news.
        json record = e.created ? records[i] : json::parse(e.record, nullptr, false);
        if (!record.is_object()) out.emplace_back(Status(WNO_ERR_INTERNAL, "the job store wrote a malformed record"));
        else out.emplace_back(JobStoreClient::Enqueued{std::move(record), e.created});
      }
      return out;
    }
    if (batch.status().code() != WNO_ERR_INVALID) {
      for (size_t i = 0; i < records.size(); ++i) out.emplace_back(batch.status());
      return out;
    }
  }
  for (const auto& record : records) out.push_back(store.enqueue(record));
  return out;
}

}  // namespace

std::string defaultWorkerId() {
  char host[256] = {0};
  if (::gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "host");
  std::random_device random;
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "%04x", static_cast<unsigned>(random() & 0xffff));
  return std::string(host) + ":" + std::to_string(::getpid()) + ":" + suffix;
}

JobService::JobService(JobsConfig config, std::unique_ptr<JobStoreClient> store, HandlerMap handlers,
                       HostServices& services)
    : config_(std::move(config)),
      store_(std::move(store)),
      handlers_(std::move(handlers)),
      services_(services),
      workerId_(config_.workerId.empty() ? defaultWorkerId() : config_.workerId),
      metrics_(services.metrics()),
      monitor_(config_, metrics_, workerId_) {
  runner_ = std::make_unique<JobRunner>(config_, *store_, metrics_, handlers_, workerId_,
                                        [this](const std::string& queue, bool failed) {
                                          monitor_.recordFinished(queue, failed);
                                        });
  running_ = std::make_unique<RunningJobs>(config_, *store_, metrics_, workerId_,
                                          [this](const std::shared_ptr<RunningJob>& job) { runner_->abandon(job); });
  runner_->setRunning(running_.get());
  using Enqueues = Batcher<json, Result<JobStoreClient::Enqueued>>;
  Enqueues::Options options;
  options.maxBatch = config_.enqueueBatchMax;
  options.linger = std::chrono::microseconds(config_.enqueueLingerUs);
  options.maxInFlight = config_.batchWriters;
  options.flushers = 0;  // the caller waits for its row anyway: it writes the batch itself
  enqueues_ = std::make_unique<Enqueues>(
      options, [this](const std::vector<json>& records) { return storeBatch(*store_, records); });
}

JobService::~JobService() {
  // The owner calls stop() and leaks a service that did not stop cleanly;
  // reaching here with threads still running would be a use after free.
  stop(std::chrono::milliseconds(config_.shutdownGraceMs));
  // Each points at the other: the runner's writes of finished attempts let
  // go of their jobs in running_, and running_'s lease keeper abandons hung
  // handlers through the runner. The keeper is stopped first, then the
  // runner goes (writing whatever is queued), then what it let go of.
  running_->stop();
  runner_.reset();
  running_.reset();
}

void JobService::start() {
  if (started_) return;
  started_ = true;
  running_->start();
  if (config_.runWorkers) {
    for (const auto& [name, queue] : config_.queues) {
      auto worker = std::make_unique<QueueWorker>(queue, config_, *store_, *runner_, metrics_, workerId_,
                                                  [this] { return services_.loadFactor(); });
      worker->start();
      workers_.emplace(name, std::move(worker));
    }
  }
  maintenance_ = std::thread([this] { maintain(); });
  logInfo("jobs", "job system started",
          {{"store", store_->name()}, {"worker", workerId_}, {"queues", config_.queues.size()},
           {"handlers", handlers_.size()}, {"workers", config_.runWorkers}});
}

void JobService::refreshGauges() {
  for (auto& [name, worker] : workers_) worker->refreshGauges();
}

bool JobService::stop(std::chrono::milliseconds grace) {
  if (!started_ || stopping_.exchange(true)) return true;
  for (auto& [name, worker] : workers_) worker->stopClaiming();
  const size_t runningAtStop = running_->count();
  bool idle = running_->waitIdle(grace);
  if (!idle) {
    const size_t asked = running_->stopAll(StopReason::Shutdown, unixNowMs());
    logWarn("jobs", "grace period over; asking running jobs to stop", {{"running", asked}});
    idle = running_->waitIdle(kStopNoticeTime);
  }
  if (!idle) {
    // Handlers that ignore the stop request: give their jobs back now so no
    // job stays claimed by a host that is going away.
    for (const auto& job : running_->snapshot()) runner_->abandon(job);
    logError("jobs", "handlers did not stop; their jobs were given back and their threads left behind",
             {{"running", running_->count()}});
  }
  running_->stop();
  // Every finished, released or abandoned attempt recorded before we go:
  // no job stays claimed by a host that exited cleanly.
  runner_->drain();
  {
    std::lock_guard lock(maintenanceMutex_);
    maintenanceStop_ = true;
  }
  maintenanceWake_.notify_all();
  if (maintenance_.joinable()) maintenance_.join();
  if (idle) {
    for (auto& [name, worker] : workers_) worker->join();
    workers_.clear();
  }
  logInfo("jobs", "job system stopped", {{"running_at_stop", runningAtStop}, {"clean", idle}});
  return idle;
}

QueueWorker* JobService::worker(const std::string& queue) {
  auto it = workers_.find(queue);
  return it == workers_.end() ? nullptr : it->second.get();
}

Result<JobStoreClient::Enqueued> JobService::enqueueRequest(const json& request, RequestError* invalid) {
  RequestError error;
  const int64_t now = unixNowMs();
  auto record = jobRecordFromRequest(request, config_, now, error);
  if (!record) {
    if (invalid) *invalid = error;
    return Status(WNO_ERR_INVALID, error.parameter + ": " + error.message);
  }
  auto enqueued = throughBreaker([&] { return enqueues_->call(std::move(*record)); });
  if (!enqueued.isOk()) return enqueued.status();
  afterEnqueue(enqueued.value(), now);
  return enqueued;
}

void JobService::afterEnqueue(const JobStoreClient::Enqueued& enqueued, int64_t nowMs) {
  const auto& stored = enqueued.record;
  metrics_.enqueued(stored.value("queue", ""), stored.value("type", ""), enqueued.created);
  if (enqueued.created && stored.value("run_at_ms", nowMs) <= nowMs && !stopping_.load()) {
    if (QueueWorker* w = worker(stored.value("queue", ""))) w->poke();
  }
}

Result<std::vector<JobService::BulkItem>> JobService::enqueueBulk(const json& requests, RequestError* invalid) {
  auto refuse = [&](std::string message) -> Status {
    if (invalid) *invalid = RequestError{"body", message};
    return Status(WNO_ERR_INVALID, "body: " + message);
  };
  if (!requests.is_array()) return refuse("must be a JSON array of job requests");
  if (requests.size() > config_.bulkMax) {
    return refuse("holds " + std::to_string(requests.size()) + " jobs; at most " + std::to_string(config_.bulkMax) +
                  " (/jobs/bulk_max) go in one request");
  }
  const int64_t now = unixNowMs();
  std::vector<BulkItem> items(requests.size());
  // The valid requests as typed jobs and their record text: no document
  // per record on the way to the store (thousands per request).
  std::vector<NewJob> jobs;
  std::vector<std::string> records;
  std::vector<size_t> at;  // jobs[k] is items[at[k]]
  jobs.reserve(requests.size());
  records.reserve(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    RequestError error;
    auto job = newJobFromRequest(requests[i], config_, now, error);
    if (!job) {
      items[i].status = 400;
      items[i].error = std::move(error);
      continue;
    }
    records.push_back(job->recordJson());
    jobs.push_back(std::move(*job));
    at.push_back(i);
  }
  auto stored = throughBreaker([&] { return store_->enqueueManyText(records); });
  if (!stored.isOk()) return stored.status();
  std::set<std::string> poke;
  for (size_t k = 0; k < at.size(); ++k) {
    auto& e = stored.value()[k];
    BulkItem& item = items[at[k]];
    item.status = e.created ? 201 : 200;
    if (e.created) {
      // The record sent is the one stored.
      const NewJob& job = jobs[k];
      item.id = job.id;
      item.state = "waiting";
      item.record = std::move(records[k]);
      metrics_.enqueued(job.queue, job.type, true);
      if (job.runAtMs <= now) poke.insert(job.queue);
      continue;
    }
    const json existing = json::parse(e.record, nullptr, false);
    if (!existing.is_object() || !existing.value("id", json()).is_string() ||
        !existing.value("state", json()).is_string()) {
      return Status(WNO_ERR_INTERNAL, "the job store wrote a malformed record");
    }
    item.id = existing["id"].get<std::string>();
    item.state = existing["state"].get<std::string>();
    item.record = std::move(e.record);
    metrics_.enqueued(existing.value("queue", ""), existing.value("type", ""), false);
  }
  if (!stopping_.load()) {
    for (const auto& queue : poke) {
      if (QueueWorker* w = worker(queue)) w->poke();
    }
  }
  return items;
}

Result<std::vector<std::string>> JobService::enqueueMany(const std::string& requestsJson) {
  auto requests = json::parse(requestsJson, nullptr, false);
  if (requests.is_discarded()) return Status(WNO_ERR_INVALID, "the job requests are not valid JSON");
  auto items = enqueueBulk(requests);
  if (!items.isOk()) return items.status();
  std::vector<std::string> out;
  out.reserve(items.value().size());
  for (const auto& item : items.value()) {
    if (item.status == 400) {
      out.push_back(json{{"status", 400}, {"parameter", item.error.parameter}, {"message", item.error.message}}.dump());
    } else {
      out.push_back("{\"status\":" + std::to_string(item.status) + ",\"job\":" + item.record + "}");
    }
  }
  return out;
}

namespace {

Status statusOf(const Status& s) { return s; }
template <typename T>
Status statusOf(const Result<T>& r) {
  return r.isOk() ? Status::ok() : r.status();
}

}  // namespace

template <typename Fn>
auto JobService::throughBreaker(Fn&& storeCall) -> decltype(storeCall()) {
  if (!storeBreaker_) return storeCall();
  const BreakerPermit permit = storeBreaker_->allow();
  if (!permit) return circuitOpenStatus(*storeBreaker_);
  try {
    auto result = storeCall();
    reportOutcome(*storeBreaker_, permit, statusOf(result).code());
    return result;
  } catch (...) {
    // A call that throws still ends its trial; otherwise a half-open
    // circuit would wait for it for ever.
    storeBreaker_->onFailure(permit);
    throw;
  }
}

Result<JobApi::Enqueued> JobService::enqueue(const std::string& requestJson) {
  auto request = json::parse(requestJson, nullptr, false);
  if (request.is_discarded()) return Status(WNO_ERR_INVALID, "the job request is not valid JSON");
  auto enqueued = enqueueRequest(request);
  if (!enqueued.isOk()) return enqueued.status();
  return Enqueued{enqueued.value().record.dump(), enqueued.value().created};
}

bool JobService::shouldStop(const std::string& jobId) { return running_->shouldStop(jobId); }

Result<std::optional<json>> JobService::get(const std::string& id) {
  return throughBreaker([&] { return store_->get(id); });
}

Result<std::vector<json>> JobService::list(const json& filter) {
  return throughBreaker([&] { return store_->list(filter); });
}

Status JobService::cancel(const std::string& id) {
  const int64_t now = unixNowMs();
  Status s = throughBreaker([&] { return store_->cancel(id, now); });
  // Running here: stop it now rather than at its next heartbeat.
  if (s.isOk()) running_->requestStop(id, StopReason::Cancelled, now);
  return s;
}

Status JobService::retry(const std::string& id) {
  Status s = throughBreaker([&] { return store_->retry(id, unixNowMs()); });
  if (s.isOk()) {
    auto record = store_->get(id);
    if (record.isOk() && record.value()) {
      if (QueueWorker* w = worker(record.value()->value("queue", ""))) w->poke();
    }
  }
  return s;
}

Result<json> JobService::queuesJson() {
  auto stats = throughBreaker([&] { return store_->stats(unixNowMs()); });
  if (!stats.isOk()) return stats.status();
  const json& byQueue = stats.value().contains("queues") ? stats.value()["queues"] : json::object();
  json queues = json::array();
  for (const auto& [name, q] : config_.queues) {
    json entry = {{"name", name},
                  {"concurrency", q.concurrency},
                  {"critical", q.critical},
                  {"pause_above_load", q.pauseAboveLoad <= 1 ? json(q.pauseAboveLoad) : json(nullptr)}};
    QueueWorker* w = worker(name);
    entry["paused"] = w ? w->paused() : false;
    entry["running_here"] = w ? w->busy() : 0;
    entry["counts"] = byQueue.contains(name) ? byQueue[name] : json::object();
    entry["rates"] = monitor_.ratesJson(name);
    queues.push_back(std::move(entry));
  }
  return json{{"worker", workerId_}, {"store", store_->name()}, {"queues", queues}};
}

void JobService::onRowEvent(const std::string& collection, const std::string& event, const json& row) {
  for (const auto& rule : config_.events) {
    if (rule.collection != collection || rule.on != event) continue;
    json data = rule.data;
    for (const auto& [key, field] : rule.dataFields) data[key] = row.contains(field) ? row[field] : json(nullptr);
    // The same row event always maps to the same job id, so a retried write
    // or a second host seeing it does not enqueue twice.
    std::string jobId = rule.type + ":" + collection + ":" + row.value("id", json(nullptr)).dump() + ":" + event;
    if (event == "update" && row.contains("version")) jobId += ":" + row["version"].dump();
    json request = {{"type", rule.type}, {"data", data}, {"priority", priorityName(rule.priority)}, {"job_id", jobId}};
    if (!rule.queue.empty()) request["queue"] = rule.queue;
    auto enqueued = enqueueRequest(request);
    if (!enqueued.isOk()) {
      logError("jobs", "could not enqueue the job for a row event",
               {{"collection", collection}, {"event", event}, {"type", rule.type}, {"error", enqueued.status().message()}});
    }
  }
}

void JobService::maintain() {
  while (true) {
    {
      std::unique_lock lock(maintenanceMutex_);
      const auto interval = std::chrono::milliseconds(std::min(config_.statsIntervalMs, config_.recoverIntervalMs));
      if (maintenanceWake_.wait_for(lock, interval, [this] { return maintenanceStop_; })) return;
    }
    maintenanceStep();
  }
}

void JobService::maintenanceStep() {
  const int64_t now = unixNowMs();
  if (now - lastRecoverMs_ >= config_.recoverIntervalMs) {
    lastRecoverMs_ = now;
    auto recovered = store_->recoverStalled(now);
    if (!recovered.isOk()) {
      logWarn("jobs", "stalled-job recovery failed", {{"error", recovered.status().message()}});
    } else if (recovered.value() > 0) {
      metrics_.recovered(recovered.value());
      logWarn("jobs", "recovered jobs whose lease lapsed", {{"count", recovered.value()}});
    }
  }
  if (now - lastPurgeMs_ >= kPurgeIntervalMs) {
    lastPurgeMs_ = now;
    auto purged = store_->purge(now - config_.retentionMs);
    if (purged.isOk() && purged.value() > 0) logInfo("jobs", "purged finished jobs", {{"count", purged.value()}});
  }
  if (now - lastStatsMs_ >= config_.statsIntervalMs) {
    lastStatsMs_ = now;
    auto stats = store_->stats(now);
    if (stats.isOk()) monitor_.refresh(stats.value());
  }
}

}  // namespace wno::host::jobs
