// Everything one running host owns, brought up in stages and torn down in
// reverse: plugins, then components (cache levels, probes), then HTTP.
// main() drives the stages and maps failures to exit codes; tests can drive
// the same stages in-process.
#pragma once

#include "alerts/alert_service.h"
#include "cache/cache_service.h"
#include "data/cursor.h"
#include "data/data_routes.h"
#include "data/repository_service.h"
#include "data/user_stats.h"
#include "health/health_options.h"
#include "health/load_factor.h"
#include "health/probe_runner.h"
#include "http/http_options.h"
#include "http/http_server.h"
#include "jobs/job_data_schema.h"
#include "jobs/job_service.h"
#include "plugins/plugin_manager.h"
#include "http/protection_middleware.h"
#include "services/host_services.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace wno::host {

// Wiring only: each stage reads its subsystems' options structs from the
// config (each next to its subsystem) and builds the subsystems from them.
class HostRuntime {
 public:
  // `config` need not have been through the loader: the schema's defaults
  // are filled in here too (tests and embedders pass partial documents).
  HostRuntime(nlohmann::json config, std::filesystem::path executableDir);
  ~HostRuntime();

  // Stage 1. Error when a required plugin was refused (each refusal logged).
  Status loadPlugins();
  // Config references that name missing components, as "<pointer>: <message>".
  std::vector<std::string> checkReferences() const;
  // --validate-config: creates and destroys every configured component with
  // its own config (component_dry_run.cpp); each refusal as
  // "<pointer>/config: <message>", plus the section errors start-up reports.
  std::vector<std::string> dryRunComponents();
  // Stage 2: component instances (cache levels, probes) and their threads.
  Status createComponents();
  // Stage 3: routes and the listening socket.
  Status startHttp();
  // Reverse order: not ready, drain HTTP, stop probes, destroy, unload.
  void shutdown();

  PluginManager& plugins() { return *plugins_; }
  HostServices& services() { return *services_; }
  jobs::JobService* jobs() { return jobs_.get(); }
  uint16_t port() const { return http_ ? http_->port() : 0; }
  std::vector<std::filesystem::path> pluginDirectories() const;
  const nlohmann::json& config() const { return config_; }

  // Health and readiness, as served at /health and /readyz.
  nlohmann::json healthJson() const;
  nlohmann::json loadHistoryJson() const;
  // Metrics text, after refreshing the values read from plugins on demand.
  std::string metricsText();
  bool ready(std::vector<std::string>& reasons) const;
  // The OpenAPI document of what this config serves (GET /openapi.json,
  // --print-openapi). Needs only loadPlugins().
  nlohmann::json openApiDocument() const;

 private:
  void addRoutes(http::Router& router);
  Status listen();
  const nlohmann::json& section(const char* name) const;
  std::vector<LoadSignal> loadSignals(const LoadFactorConfig& config) const;
  std::vector<ProbeSnapshot> probeSnapshots() const;
  Status createCache();
  Status createProbes();
  Status createRepositories();
  // host_runtime_jobs.cpp: the job store, handlers and queues of /jobs.
  Status createJobs();
  // The built-in alerts of /alerts (alerts/alert_service.h), started last.
  Status createAlerts();
  void checkJobReferences(std::vector<std::string>& errors) const;
  // host_runtime_jobs.cpp: what start-up and --validate-config create for /jobs.
  static ComponentConfig jobStoreComponent(const jobs::JobsConfig& config);
  static std::vector<ComponentConfig> jobHandlerComponents(const jobs::JobsConfig& config);
  // Appends "<pointer>: no <kind> component named ..." when none is loaded.
  void checkReference(wno_kind kind, const std::string& name, const std::string& pointer,
                      std::vector<std::string>& errors) const;
  void stopJobs();
  // host_runtime_jobs.cpp: job type -> the data schema its handler declares
  // (ABI 1.2); one the host cannot enforce is left out, with a warning.
  std::map<std::string, std::shared_ptr<const jobs::JobDataSchema>> jobDataSchemas() const;
  void ensureCursorCodec();
  // /data/user_stats/counts, or the schema's default for a config that did
  // not pass through the loader.
  nlohmann::json declaredUserStats() const;

  nlohmann::json config_;
  std::filesystem::path executableDir_;
  std::chrono::steady_clock::time_point startedAt_;
  std::unique_ptr<HostServices> services_;
  std::unique_ptr<PluginManager> plugins_;
  std::unique_ptr<CacheService> cache_;
  std::vector<std::unique_ptr<ProbeRunner>> probes_;
  std::unique_ptr<data::RepositoryService> repositories_;
  std::unique_ptr<data::CursorCodec> cursors_;
  std::vector<data::StatCount> userStats_;  // /data/user_stats/counts, checked against the collections
  std::unique_ptr<jobs::JobService> jobs_;
  bool jobsStoppedCleanly_ = true;
  std::unique_ptr<LoadFactor> load_;
  std::unique_ptr<Protection> protection_;
  std::unique_ptr<http::HttpServer> http_;
  std::unique_ptr<alerts::AlertService> alerts_;
  data::DataRouteOptions dataRoutes_;
  std::chrono::milliseconds loadInterval_{0};       // from /load_factor, once components exist
  std::chrono::milliseconds httpShutdownGrace_{0};  // from /http, once HTTP started
  std::atomic<bool> accepting_{false};
  std::atomic<bool> shutDown_{false};
};

}  // namespace wno::host
