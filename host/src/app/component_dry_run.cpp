// HostRuntime::dryRunComponents for --validate-config: every component the
// config asks for is created with its own config and destroyed at once, so a
// plugin that refuses its config is reported without starting the host. It
// uses the same create path as start-up (createComponent), so the two can
// never disagree; unlike start-up it goes on after a failure, to
// report every refused component in one run.
#include "app/host_runtime.h"

#include "cache/cache_options.h"
#include "cache/eager_refresher.h"
#include "config/options_reader.h"
#include "data/collection.h"
#include "data/data_options.h"
#include "data/user_stats.h"
#include "jobs/job_config.h"
#include "services/component_factory.h"

namespace wno::host {
namespace {

// Creates and destroys one component; a refusal is appended as start-up
// words it. A type that is not loaded was already reported by
// checkReferences().
template <typename Vtable>
void tryCreate(const PluginManager& plugins, HostServices* services, const ComponentConfig& component,
               std::vector<std::string>& errors) {
  if (!plugins.find(componentKind<Vtable>(), component.type)) return;
  auto instance = createComponent<Vtable>(plugins, services, component);
  if (!instance.isOk()) errors.push_back(instance.status().message());
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
  try {
    const auto& cacheConfig = section("cache");
    const auto levels = cacheLevelsFrom(cacheConfig);
    for (const auto& level : levels) tryCreate<wno_type_cache>(*plugins_, services, level, errors);
    std::string error;
    if (!levels.empty() && !cacheOptionsFrom(cacheConfig, error)) errors.push_back(error);
    error.clear();
    if (!eagerRefreshFrom(cacheConfig, error)) errors.push_back(error);

    const data::DataOptions dataOptions = data::dataOptionsFrom(section("data"));
    const auto collections = data::collectionsFrom(dataOptions.collections, errors);
    // As at start: the declared user statistics, checked, and handed to the
    // handlers created below (compute_user_stats reads them at create).
    const auto userStats = data::statCountsFrom(declaredUserStats(), collections, errors);
    if (services) services->setUserStatsCounts(data::statCountsJson(userStats));
    for (const auto& r : dataOptions.repositories) tryCreate<wno_type_repository>(*plugins_, services, r.component, errors);

    for (const auto& probe : probeConfigsFrom(section("health"))) {
      tryCreate<wno_type_health_probe>(*plugins_, services, probe.component, errors);
    }

    const auto& jobsSection = section("jobs");
    if (jobsSection.contains("store")) {
      std::vector<std::string> jobErrors;
      auto jobs = jobs::jobsConfigFrom(jobsSection, jobErrors);
      for (const auto& e : jobErrors) splitLines(e, errors);
      if (jobs) {
        tryCreate<wno_type_job_store>(*plugins_, services, jobStoreComponent(*jobs), errors);
        for (const auto& handler : jobHandlerComponents(*jobs)) {
          tryCreate<wno_type_job_handler>(*plugins_, services, handler, errors);
        }
      }
    }
  } catch (const config::OptionError& e) {
    errors.push_back(e.what());
  }
  alerts::alertsConfigFrom(section("alerts"), errors);
  return errors;
}

}  // namespace wno::host
