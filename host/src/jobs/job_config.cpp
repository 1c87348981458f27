#include "jobs/job_config.h"

#include "config/options_reader.h"

#include <algorithm>

namespace wno::host::jobs {
namespace {

using nlohmann::json;
using config::OptionsNode;

// A backoff object has no schema defaults of its own: what it leaves out
// comes from the level above (/jobs/defaults/backoff, then Backoff's).
Backoff backoffFrom(const OptionsNode& parent, const Backoff& fallback) {
  Backoff b = fallback;
  if (!parent.has("backoff")) return b;
  const OptionsNode j = parent.child("backoff");
  if (auto type = j.find<std::string>("type")) b.kind = *type == "fixed" ? Backoff::Kind::Fixed : Backoff::Kind::Exponential;
  if (auto delay = j.find<int64_t>("delay_ms")) b.delayMs = *delay;
  if (auto jitter = j.find<double>("jitter")) b.jitter = *jitter;
  return b;
}

void readStore(const OptionsNode& section, JobsConfig& c, std::vector<std::string>& errors) {
  if (section.has("store")) {
    const OptionsNode store = section.child("store");
    c.storeType = store.find<std::string>("type").value_or("");
    c.storeConfig = store.get<json>("config");
  }
  if (c.storeType.empty()) errors.push_back("/jobs/store/type: name the job store component (e.g. \"sqlite\")");
}

void readTimings(const OptionsNode& section, JobsConfig& c, std::vector<std::string>& errors) {
  c.runWorkers = section.get<bool>("workers");
  c.workerId = section.get<std::string>("worker_id");
  c.leaseMs = section.get<int64_t>("lease_ms");
  c.heartbeatMs = section.get<int64_t>("heartbeat_ms");
  // 0 (the schema's default) means derived: a lease must survive at least
  // two missed heartbeats before it lapses.
  if (c.heartbeatMs <= 0) c.heartbeatMs = std::max<int64_t>(1, c.leaseMs / 3);
  if (c.heartbeatMs * 2 > c.leaseMs) {
    errors.push_back("/jobs/heartbeat_ms: must be at most half of /jobs/lease_ms (" + std::to_string(c.leaseMs) +
                     ") so a lease survives a missed heartbeat");
  }
  c.pollMs = section.get<int64_t>("poll_ms");
  c.claimBatch = section.get<uint32_t>("claim_batch");
  c.claimsInFlight = section.get<int>("claims_in_flight");
  c.bulkMax = section.get<size_t>("bulk_max");
  const OptionsNode batching = section.child("batching");
  c.enqueueLingerUs = batching.get<int64_t>("enqueue_linger_us");
  c.enqueueBatchMax = batching.get<size_t>("enqueue_batch_max");
  c.finishLingerUs = batching.get<int64_t>("finish_linger_us");
  c.finishBatchMax = batching.get<size_t>("finish_batch_max");
  c.batchWriters = batching.get<int>("writers");
  c.recoverIntervalMs = section.get<int64_t>("recover_interval_ms");
  c.statsIntervalMs = section.get<int64_t>("stats_interval_ms");
  c.retentionMs = section.get<int64_t>("retention_ms");
  c.shutdownGraceMs = section.get<int64_t>("shutdown_grace_ms");
  c.maxBackoffMs = section.get<int64_t>("max_backoff_ms");
}

QueueConfig queueFrom(const OptionsNode& q, std::vector<std::string>& errors) {
  QueueConfig queue;
  queue.name = q.get<std::string>("name");
  queue.concurrency = q.get<int>("concurrency");
  queue.prefetch = q.get<int>("prefetch");
  queue.critical = q.get<bool>("critical");
  // Unset load thresholds keep QueueConfig's "never" (> 1); resuming
  // defaults to 85% of the pause threshold, a hysteresis band the schema
  // cannot express.
  if (auto pause = q.find<double>("pause_above_load")) queue.pauseAboveLoad = *pause;
  queue.resumeBelowLoad = q.find<double>("resume_below_load").value_or(queue.pauseAboveLoad * 0.85);
  if (queue.critical && q.has("pause_above_load")) {
    errors.push_back(q.pointer() + "/pause_above_load: a critical queue never pauses; remove one of the two");
  }
  if (queue.resumeBelowLoad > queue.pauseAboveLoad) {
    errors.push_back(q.pointer() + "/resume_below_load: must not exceed pause_above_load (hysteresis)");
  }
  const OptionsNode alerts = q.child("alerts");
  if (auto rate = alerts.find<double>("failure_rate_above")) queue.alerts.failureRateAbove = *rate;
  if (auto backlog = alerts.find<int64_t>("backlog_above")) queue.alerts.backlogAbove = *backlog;
  queue.alerts.windowMs = alerts.get<int64_t>("window_ms");
  queue.alerts.minFinished = alerts.get<int64_t>("min_finished");
  queue.alerts.webhookUrl = alerts.get<std::string>("webhook_url");
  return queue;
}

void readQueues(const OptionsNode& section, JobsConfig& c, std::vector<std::string>& errors) {
  const OptionsNode queues = section.child("queues");
  for (size_t i = 0; i < queues.size(); ++i) {
    QueueConfig queue = queueFrom(queues.item(i), errors);
    if (c.queues.count(queue.name)) {
      errors.push_back(queues.item(i).pointer() + "/name: queue \"" + queue.name + "\" is defined twice");
    }
    c.queues[queue.name] = queue;
  }
  // No queues at all (an explicit [] too) still gets somewhere to run jobs.
  if (c.queues.empty()) {
    QueueConfig fallback;
    fallback.name = "default";
    fallback.concurrency = 4;
    c.queues[fallback.name] = fallback;
  }
  c.defaultQueue = section.find<std::string>("default_queue")
                       .value_or(c.queues.count("default") ? "default" : c.queues.begin()->first);
  if (!c.queues.count(c.defaultQueue)) {
    errors.push_back("/jobs/default_queue: no queue named \"" + c.defaultQueue + "\" in /jobs/queues");
  }
}

void readHandlers(const OptionsNode& section, const JobTypeConfig& base, JobsConfig& c,
                  std::vector<std::string>& errors) {
  const OptionsNode handlers = section.child("handlers");
  for (size_t i = 0; i < handlers.size(); ++i) {
    const OptionsNode h = handlers.item(i);
    JobTypeConfig t = base;
    t.type = h.get<std::string>("type");
    // Omitted references fall back to what the entry already names.
    t.handler = h.find<std::string>("handler").value_or(t.type);
    t.queue = h.find<std::string>("queue").value_or(c.defaultQueue);
    t.attempts = h.find<uint32_t>("attempts").value_or(base.attempts);
    t.backoff = backoffFrom(h, base.backoff);
    t.timeoutMs = h.find<int64_t>("timeout_ms").value_or(base.timeoutMs);
    t.handlerConfig = h.get<json>("config");
    t.index = i;
    if (!c.queues.count(t.queue)) {
      errors.push_back(h.pointer() + "/queue: no queue named \"" + t.queue + "\" in /jobs/queues");
    }
    if (c.types.count(t.type)) errors.push_back(h.pointer() + "/type: job type \"" + t.type + "\" is handled twice");
    c.types[t.type] = t;
  }
}

void readEvents(const OptionsNode& section, JobsConfig& c, std::vector<std::string>& errors) {
  const OptionsNode events = section.child("events");
  for (size_t i = 0; i < events.size(); ++i) {
    const OptionsNode e = events.item(i);
    EventRule rule;
    rule.collection = e.get<std::string>("collection");
    rule.on = e.get<std::string>("on");
    rule.type = e.get<std::string>("type");
    rule.queue = e.find<std::string>("queue").value_or("");  // empty: the type's queue
    rule.priority = e.has("priority") ? parsePriority(e.get<std::string>("priority")).value_or(Normal)
                                      : c.defaultPriority;
    rule.data = e.get<json>("data");
    for (const auto& [key, field] : e.child("data_fields").json().items()) rule.dataFields[key] = field.get<std::string>();
    if (!c.types.count(rule.type)) {
      errors.push_back(e.pointer() + "/type: no handler for job type \"" + rule.type + "\" in /jobs/handlers");
    }
    if (!rule.queue.empty() && !c.queues.count(rule.queue)) {
      errors.push_back(e.pointer() + "/queue: no queue named \"" + rule.queue + "\" in /jobs/queues");
    }
    c.events.push_back(std::move(rule));
  }
}

JobsConfig readJobs(const OptionsNode& section, std::vector<std::string>& errors) {
  JobsConfig c;
  readStore(section, c, errors);
  readTimings(section, c, errors);
  const OptionsNode defaults = section.child("defaults");
  JobTypeConfig base;
  base.attempts = defaults.get<uint32_t>("attempts");
  base.backoff = backoffFrom(defaults, base.backoff);
  base.timeoutMs = defaults.get<int64_t>("timeout_ms");
  if (auto p = parsePriority(defaults.get<std::string>("priority"))) c.defaultPriority = *p;
  readQueues(section, c, errors);
  readHandlers(section, base, c, errors);
  readEvents(section, c, errors);
  return c;
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
  try {
    const config::FilledSection filled(section, "/jobs");
    JobsConfig c = readJobs(filled.node(), errors);
    if (errors.size() != errorsBefore) return std::nullopt;
    return c;
  } catch (const config::OptionError& e) {
    errors.push_back(e.what());
    return std::nullopt;
  }
}

}  // namespace wno::host::jobs
