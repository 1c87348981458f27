// HostRuntime::dryRunComponents for --validate-config: every component the
// config asks for is created with its own config and destroyed at once, so a
// plugin that refuses its config is reported without starting the host. It
// uses the same create path as start-up (ComponentInstance::create), so the
// two can never disagree; unlike start-up it goes on after a failure, to
// report every refused component in one run.
#include "app/host_runtime.h"

#include "cache/eager_refresher.h"
#include "data/collection.h"
#include "data/user_stats.h"
#include "jobs/job_config.h"
#include "services/host_api.h"

namespace wno::host {
namespace {

// Creates and destroys one component; on failure appends
// "<pointer>/config: <kind> "<type>" refused its config: <message>".
template <typename Instance>
void tryCreate(PluginManager& plugins, HostServices* services, wno_kind kind, const std::string& type,
               const std::string& instanceName, const nlohmann::json& config, const std::string& pointer,
               std::vector<std::string>& errors) {
  auto component = plugins.find(kind, type);
  if (!component) return;  // already reported by checkReferences()
  auto instance = Instance::create(component, hostApiTable(), services, instanceName, config);
  if (!instance.isOk()) {
    errors.push_back(pointer + "/config: " + kindName(kind) + " \"" + type +
                     "\" refused its config: " + instance.status().message());
  }
}

void splitLines(const std::string& text, std::vector<std::string>& errors) {
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    errors.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
}

}  // namespace

std::vector<std::string> HostRuntime::dryRunComponents() {
  std::vector<std::string> errors;
  HostServices* services = services_.get();

  const auto& cacheConfig = section("cache");
  const auto& levels = cacheConfig.value("levels", nlohmann::json::array());
  for (size_t i = 0; i < levels.size(); ++i) {
    tryCreate<CacheBackendInstance>(*plugins_, services, WNO_KIND_CACHE, levels[i].value("backend", ""),
                                    levels[i].value("name", "l" + std::to_string(i + 1)),
                                    levelBackendConfig(cacheConfig, i), "/cache/levels/" + std::to_string(i), errors);
  }
  std::string error;
  if (!levels.empty() && !cacheOptionsFrom(cacheConfig, error)) errors.push_back(error);
  error.clear();
  if (!eagerRefreshFrom(cacheConfig, error)) errors.push_back(error);

  const auto& dataConfig = section("data");
  const auto collections = data::collectionsFrom(dataConfig.value("collections", nlohmann::json::object()), errors);
  // As at start: the declared user statistics, checked, and handed to the
  // handlers created below (compute_user_stats reads them at create).
  const auto userStats = data::statCountsFrom(declaredUserStats(), collections, errors);
  if (services) services->setUserStatsCounts(data::statCountsJson(userStats));
  const auto& repos = dataConfig.value("repositories", nlohmann::json::array());
  for (size_t i = 0; i < repos.size(); ++i) {
    const std::string type = repos[i].value("type", "");
    tryCreate<RepositoryInstance>(*plugins_, services, WNO_KIND_REPOSITORY, type, repos[i].value("name", type),
                                  repos[i].value("config", nlohmann::json::object()),
                                  "/data/repositories/" + std::to_string(i), errors);
  }

  const auto& probes = section("health").value("probes", nlohmann::json::array());
  for (size_t i = 0; i < probes.size(); ++i) {
    const std::string type = probes[i].value("type", "");
    tryCreate<HealthProbeInstance>(*plugins_, services, WNO_KIND_HEALTH_PROBE, type, probes[i].value("name", type),
                                   probes[i].value("config", nlohmann::json::object()),
                                   "/health/probes/" + std::to_string(i), errors);
  }

  const auto& jobsSection = section("jobs");
  if (jobsSection.contains("store")) {
    std::vector<std::string> jobErrors;
    auto jobs = jobs::jobsConfigFrom(jobsSection, jobErrors);
    for (const auto& e : jobErrors) splitLines(e, errors);
    if (jobs) {
      tryCreate<JobStoreInstance>(*plugins_, services, WNO_KIND_JOB_STORE, jobs->storeType, jobs->storeType,
                                  jobs->storeConfig, "/jobs/store", errors);
      const auto& handlers = jobsSection.value("handlers", nlohmann::json::array());
      for (size_t i = 0; i < handlers.size(); ++i) {
        auto t = jobs->types.find(handlers[i].value("type", ""));
        if (t == jobs->types.end()) continue;
        tryCreate<JobHandlerInstance>(*plugins_, services, WNO_KIND_JOB_HANDLER, t->second.handler, t->second.type,
                                      t->second.handlerConfig, "/jobs/handlers/" + std::to_string(i), errors);
      }
    }
  }
  alerts::alertsConfigFrom(section("alerts"), errors);
  return errors;
}

}  // namespace wno::host
