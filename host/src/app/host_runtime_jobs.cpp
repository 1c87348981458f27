// HostRuntime's job stage: the /jobs store, one handler instance per job
// type, the queues' workers, and the domain events that enqueue jobs.
#include "app/host_runtime.h"

#include "config/options_reader.h"
#include "core/logger.h"
#include "services/component_factory.h"

#include <algorithm>

namespace wno::host {

ComponentConfig HostRuntime::jobStoreComponent(const jobs::JobsConfig& config) {
  return {config.storeType, config.storeType, config.storeConfig, "/jobs/store", "type"};
}

std::vector<ComponentConfig> HostRuntime::jobHandlerComponents(const jobs::JobsConfig& config) {
  // In /jobs/handlers order, which the map of types has lost: the first
  // refusal reported is the first in the file.
  std::vector<const jobs::JobTypeConfig*> types;
  for (const auto& [name, t] : config.types) types.push_back(&t);
  std::sort(types.begin(), types.end(), [](auto* a, auto* b) { return a->index < b->index; });
  std::vector<ComponentConfig> out;
  for (const auto* t : types) {
    out.push_back({t->handler, t->type, t->handlerConfig, "/jobs/handlers/" + std::to_string(t->index), "handler"});
  }
  return out;
}

void HostRuntime::checkJobReferences(std::vector<std::string>& errors) const {
  const config::FilledSection filled(section("jobs"), "/jobs");
  const config::OptionsNode j = filled.node();
  if (!j.has("store")) return;
  checkReference(WNO_KIND_JOB_STORE, j.child("store").get<std::string>("type"), "/jobs/store/type", errors);
  const config::OptionsNode handlers = j.child("handlers");
  for (size_t i = 0; i < handlers.size(); ++i) {
    const config::OptionsNode h = handlers.item(i);
    checkReference(WNO_KIND_JOB_HANDLER, h.find<std::string>("handler").value_or(h.get<std::string>("type")),
                   h.pointer() + "/handler", errors);
  }
}

Status HostRuntime::createJobs() {
  const auto& jobsSection = section("jobs");
  if (!jobsSection.contains("store")) return Status::ok();
  std::vector<std::string> errors;
  auto jobsConfig = jobs::jobsConfigFrom(jobsSection, errors);
  const config::OptionsNode dataSection(section("data"), "/data");
  for (const auto& [name, c] : dataSection.child("collections").json().items()) {
    if (name == "jobs" || name == "queues") {
      errors.push_back("/data/collections/" + name + ": the name is taken by the jobs API (/api/v1/" + name + ")");
    }
  }
  if (!jobsConfig || !errors.empty()) {
    std::string all;
    for (const auto& e : errors) all += (all.empty() ? "" : "\n") + e;
    return Status(WNO_ERR_INVALID, all);
  }
  for (const auto& rule : jobsConfig->events) {
    if (!repositories_ || !repositories_->collection(rule.collection)) {
      return Status(WNO_ERR_INVALID, "/jobs/events: no collection named \"" + rule.collection + "\" in /data/collections");
    }
  }
  auto store = createComponent<wno_type_job_store>(*plugins_, services_.get(), jobStoreComponent(*jobsConfig));
  if (!store.isOk()) return store.status();
  jobs::HandlerMap handlers;
  for (const auto& component : jobHandlerComponents(*jobsConfig)) {
    auto handler = createComponent<wno_type_job_handler>(*plugins_, services_.get(), component);
    if (!handler.isOk()) return handler.status();
    handlers.emplace(component.name, std::move(handler).value());
  }
  for (auto& [type, schema] : jobDataSchemas()) jobsConfig->types.at(type).dataSchema = std::move(schema);
  ensureCursorCodec();
  jobs_ = std::make_unique<jobs::JobService>(std::move(*jobsConfig), std::make_unique<jobs::JobStoreClient>(std::move(store).value()),
                                             std::move(handlers), *services_);
  // On unless turned off, as for repositories: a failing store then costs
  // a request a fast 503 with Retry-After, not the store's timeouts.
  const nlohmann::json& breaker = config::OptionsNode(jobsSection, "/jobs").child("store").child("breaker").json();
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
  const config::FilledSection filled(section("jobs"), "/jobs");
  const config::OptionsNode handlers = filled.node().child("handlers");
  for (size_t i = 0; i < handlers.size(); ++i) {
    const std::string type = handlers.item(i).get<std::string>("type");
    const std::string handler = handlers.item(i).find<std::string>("handler").value_or(type);
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
