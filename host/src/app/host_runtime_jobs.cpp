// HostRuntime's job stage: the /jobs store, one handler instance per job
// type, the queues' workers, and the domain events that enqueue jobs.
#include "app/host_runtime.h"

#include "core/logger.h"
#include "services/host_api.h"

namespace wno::host {

void HostRuntime::checkJobReferences(std::vector<std::string>& errors) const {
  const auto& j = section("jobs");
  if (!j.contains("store")) return;
  checkReference(WNO_KIND_JOB_STORE, j["store"].value("type", ""), "/jobs/store/type", errors);
  const auto& handlers = j.value("handlers", nlohmann::json::array());
  for (size_t i = 0; i < handlers.size(); ++i) {
    const std::string type = handlers[i].value("type", "");
    checkReference(WNO_KIND_JOB_HANDLER, handlers[i].value("handler", type),
                   "/jobs/handlers/" + std::to_string(i) + "/handler", errors);
  }
}

Status HostRuntime::createJobs() {
  const auto& jobsSection = section("jobs");
  if (!jobsSection.contains("store")) return Status::ok();
  std::vector<std::string> errors;
  auto config = jobs::jobsConfigFrom(jobsSection, errors);
  const nlohmann::json collections = section("data").value("collections", nlohmann::json::object());
  for (const auto& [name, c] : collections.items()) {
    if (name == "jobs" || name == "queues") {
      errors.push_back("/data/collections/" + name + ": the name is taken by the jobs API (/api/v1/" + name + ")");
    }
  }
  if (!config || !errors.empty()) {
    std::string all;
    for (const auto& e : errors) all += (all.empty() ? "" : "\n") + e;
    return Status(WNO_ERR_INVALID, all);
  }
  for (const auto& rule : config->events) {
    if (!repositories_ || !repositories_->collection(rule.collection)) {
      return Status(WNO_ERR_INVALID, "/jobs/events: no collection named \"" + rule.collection + "\" in /data/collections");
    }
  }

  auto storeType = plugins_->find(WNO_KIND_JOB_STORE, config->storeType);
  if (!storeType) return Status(WNO_ERR_INVALID, "/jobs/store/type: not loaded");
  auto store = JobStoreInstance::create(storeType, hostApiTable(), services_.get(), config->storeType,
                                        config->storeConfig);
  if (!store.isOk()) {
    return Status(store.status().code(), "/jobs/store/config: job store \"" + config->storeType +
                                             "\" refused its config: " + store.status().message());
  }
  jobs::HandlerMap handlers;
  const auto& handlerConfigs = jobsSection.value("handlers", nlohmann::json::array());
  for (size_t i = 0; i < handlerConfigs.size(); ++i) {
    const auto& t = config->types.at(handlerConfigs[i].value("type", ""));
    auto type = plugins_->find(WNO_KIND_JOB_HANDLER, t.handler);
    if (!type) return Status(WNO_ERR_INVALID, "/jobs/handlers/" + std::to_string(i) + "/handler: not loaded");
    auto handler = JobHandlerInstance::create(type, hostApiTable(), services_.get(), t.type, t.handlerConfig);
    if (!handler.isOk()) {
      return Status(handler.status().code(), "/jobs/handlers/" + std::to_string(i) + "/config: job handler \"" +
                                                 t.handler + "\" refused its config: " + handler.status().message());
    }
    handlers.emplace(t.type, std::move(handler).value());
  }
  for (auto& [type, schema] : jobDataSchemas()) config->types.at(type).dataSchema = std::move(schema);
  ensureCursorCodec();
  jobs_ = std::make_unique<jobs::JobService>(std::move(*config), std::make_unique<jobs::JobStoreClient>(std::move(store).value()),
                                             std::move(handlers), *services_);
  // On unless turned off, as for repositories: a failing store then costs
  // a request a fast 503 with Retry-After, not the store's timeouts.
  const nlohmann::json breaker = jobsSection["store"].value("breaker", nlohmann::json::object());
  if (breakerEnabled(breaker).value_or(true)) {
    jobs_->setStoreBreaker(
        services_->breakers().create("job store " + jobs_->config().storeType, "job_store", breakerOptionsFrom(breaker)));
  }
  services_->setJobs(jobs_.get());
  if (repositories_ && !jobs_->config().events.empty()) {
    jobs::JobService* service = jobs_.get();
    repositories_->setRowListener([service](const std::string& collection, const char* event, const nlohmann::json& row) {
      service->onRowEvent(collection, event, row);
    });
  }
  jobs_->start();
  return Status::ok();
}

std::map<std::string, std::shared_ptr<const jobs::JobDataSchema>> HostRuntime::jobDataSchemas() const {
  std::map<std::string, std::shared_ptr<const jobs::JobDataSchema>> schemas;
  const auto& jobsSection = section("jobs");
  for (const auto& h : jobsSection.value("handlers", nlohmann::json::array())) {
    const std::string type = h.value("type", "");
    const std::string handler = h.value("handler", type);
    auto component = plugins_->find(WNO_KIND_JOB_HANDLER, handler);
    if (!component) continue;
    // Copied from the plugin's table, NULL for plugins built before 1.2.
    const wno_str text = component->as<wno_type_job_handler>().data_schema_json;
    if (text.data == nullptr || text.len == 0) continue;
    std::string why;
    auto schema = jobs::JobDataSchema::parse(std::string_view(text.data, text.len), why);
    if (!schema) {
      logWarn("jobs", "ignoring the data schema of job handler \"" + handler + "\": " + why,
              {{"type", type}, {"plugin", component->plugin ? component->plugin->name : ""}});
      continue;
    }
    schemas.emplace(type, std::make_shared<const jobs::JobDataSchema>(std::move(*schema)));
  }
  return schemas;
}

void HostRuntime::stopJobs() {
  if (!jobs_) return;
  jobsStoppedCleanly_ = jobs_->stop(std::chrono::milliseconds(jobs_->config().shutdownGraceMs));
}

}  // namespace wno::host
