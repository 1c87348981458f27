#include "jobs/job_config.h"

#include <algorithm>

namespace wno::host::jobs {
namespace {

using nlohmann::json;

Backoff backoffFrom(const json& j, const Backoff& fallback) {
  Backoff b = fallback;
  if (!j.is_object()) return b;
  if (j.contains("type")) b.kind = j["type"] == "fixed" ? Backoff::Kind::Fixed : Backoff::Kind::Exponential;
  b.delayMs = j.value("delay_ms", b.delayMs);
  b.jitter = j.value("jitter", b.jitter);
  return b;
}

}  // namespace

const char* priorityName(int priority) {
  switch (priority) {
    case Critical: return "critical";
    case High: return "high";
    case Normal: return "normal";
    default: return "low";
  }
}

std::optional<int> parsePriority(const std::string& name) {
  if (name == "critical") return Critical;
  if (name == "high") return High;
  if (name == "normal") return Normal;
  if (name == "low") return Low;
  return std::nullopt;
}

std::optional<JobsConfig> jobsConfigFrom(const json& section, std::vector<std::string>& errors) {
  const size_t errorsBefore = errors.size();
  JobsConfig c;
  const json& store = section.value("store", json::object());
  c.storeType = store.value("type", "");
  c.storeConfig = store.value("config", json::object());
  if (c.storeType.empty()) errors.push_back("/jobs/store/type: name the job store component (e.g. \"sqlite\")");
  c.runWorkers = section.value("workers", true);
  c.workerId = section.value("worker_id", "");
  c.leaseMs = section.value("lease_ms", c.leaseMs);
  c.heartbeatMs = section.value("heartbeat_ms", int64_t{0});
  // A lease must survive at least two missed heartbeats before it lapses.
  if (c.heartbeatMs <= 0) c.heartbeatMs = std::max<int64_t>(1, c.leaseMs / 3);
  if (c.heartbeatMs * 2 > c.leaseMs) {
    errors.push_back("/jobs/heartbeat_ms: must be at most half of /jobs/lease_ms (" + std::to_string(c.leaseMs) +
                     ") so a lease survives a missed heartbeat");
  }
  c.pollMs = section.value("poll_ms", c.pollMs);
  c.claimBatch = section.value("claim_batch", c.claimBatch);
  c.bulkMax = section.value("bulk_max", c.bulkMax);
  const json& batching = section.value("batching", json::object());
  c.enqueueLingerUs = batching.value("enqueue_linger_us", c.enqueueLingerUs);
  c.enqueueBatchMax = batching.value("enqueue_batch_max", c.enqueueBatchMax);
  c.finishLingerUs = batching.value("finish_linger_us", c.finishLingerUs);
  c.finishBatchMax = batching.value("finish_batch_max", c.finishBatchMax);
  c.batchWriters = batching.value("writers", c.batchWriters);
  c.recoverIntervalMs = section.value("recover_interval_ms", c.recoverIntervalMs);
  c.statsIntervalMs = section.value("stats_interval_ms", c.statsIntervalMs);
  c.retentionMs = section.value("retention_ms", c.retentionMs);
  c.shutdownGraceMs = section.value("shutdown_grace_ms", c.shutdownGraceMs);
  c.maxBackoffMs = section.value("max_backoff_ms", c.maxBackoffMs);

  const json& defaults = section.value("defaults", json::object());
  JobTypeConfig base;
  base.attempts = defaults.value("attempts", base.attempts);
  base.backoff = backoffFrom(defaults.value("backoff", json::object()), base.backoff);
  base.timeoutMs = defaults.value("timeout_ms", base.timeoutMs);
  if (auto p = parsePriority(defaults.value("priority", "normal"))) c.defaultPriority = *p;

  const json& queues = section.value("queues", json::array());
  for (size_t i = 0; i < queues.size(); ++i) {
    const json& q = queues[i];
    const std::string pointer = "/jobs/queues/" + std::to_string(i);
    QueueConfig queue;
    queue.name = q.value("name", "");
    queue.concurrency = q.value("concurrency", 1);
    queue.prefetch = q.value("prefetch", 1000);
    queue.critical = q.value("critical", false);
    queue.pauseAboveLoad = q.value("pause_above_load", 2.0);
    queue.resumeBelowLoad = q.value("resume_below_load", queue.pauseAboveLoad * 0.85);
    if (queue.critical && q.contains("pause_above_load")) {
      errors.push_back(pointer + "/pause_above_load: a critical queue never pauses; remove one of the two");
    }
    if (queue.resumeBelowLoad > queue.pauseAboveLoad) {
      errors.push_back(pointer + "/resume_below_load: must not exceed pause_above_load (hysteresis)");
    }
    const json& alerts = q.value("alerts", json::object());
    queue.alerts.failureRateAbove = alerts.value("failure_rate_above", queue.alerts.failureRateAbove);
    queue.alerts.backlogAbove = alerts.value("backlog_above", queue.alerts.backlogAbove);
    queue.alerts.windowMs = alerts.value("window_ms", queue.alerts.windowMs);
    queue.alerts.minFinished = alerts.value("min_finished", queue.alerts.minFinished);
    queue.alerts.webhookUrl = alerts.value("webhook_url", "");
    if (c.queues.count(queue.name)) errors.push_back(pointer + "/name: queue \"" + queue.name + "\" is defined twice");
    c.queues[queue.name] = queue;
  }
  if (c.queues.empty()) {
    QueueConfig fallback;
    fallback.name = "default";
    fallback.concurrency = 4;
    c.queues[fallback.name] = fallback;
  }
  c.defaultQueue = section.value("default_queue", c.queues.count("default") ? "default" : c.queues.begin()->first);
  if (!c.queues.count(c.defaultQueue)) {
    errors.push_back("/jobs/default_queue: no queue named \"" + c.defaultQueue + "\" in /jobs/queues");
  }

  const json& handlers = section.value("handlers", json::array());
  for (size_t i = 0; i < handlers.size(); ++i) {
    const json& h = handlers[i];
    const std::string pointer = "/jobs/handlers/" + std::to_string(i);
    JobTypeConfig t = base;
    t.type = h.value("type", "");
    t.handler = h.value("handler", t.type);
    t.queue = h.value("queue", c.defaultQueue);
    t.attempts = h.value("attempts", base.attempts);
    t.backoff = backoffFrom(h.value("backoff", json::object()), base.backoff);
    t.timeoutMs = h.value("timeout_ms", base.timeoutMs);
    t.handlerConfig = h.value("config", json::object());
    if (!c.queues.count(t.queue)) {
      errors.push_back(pointer + "/queue: no queue named \"" + t.queue + "\" in /jobs/queues");
    }
    if (c.types.count(t.type)) errors.push_back(pointer + "/type: job type \"" + t.type + "\" is handled twice");
    c.types[t.type] = t;
  }

  const json& events = section.value("events", json::array());
  for (size_t i = 0; i < events.size(); ++i) {
    const json& e = events[i];
    const std::string pointer = "/jobs/events/" + std::to_string(i);
    EventRule rule;
    rule.collection = e.value("collection", "");
    rule.on = e.value("on", "create");
    rule.type = e.value("type", "");
    rule.queue = e.value("queue", "");
    rule.priority = parsePriority(e.value("priority", std::string(priorityName(c.defaultPriority)))).value_or(Normal);
    rule.data = e.value("data", json::object());
    const json dataFields = e.value("data_fields", json::object());  // items() must not outlive it
    for (const auto& [key, field] : dataFields.items()) {
      rule.dataFields[key] = field.get<std::string>();
    }
    if (!c.types.count(rule.type)) {
      errors.push_back(pointer + "/type: no handler for job type \"" + rule.type + "\" in /jobs/handlers");
    }
    if (!rule.queue.empty() && !c.queues.count(rule.queue)) {
      errors.push_back(pointer + "/queue: no queue named \"" + rule.queue + "\" in /jobs/queues");
    }
    c.events.push_back(std::move(rule));
  }
  if (errors.size() != errorsBefore) return std::nullopt;
  return c;
}

}  // namespace wno::host::jobs
