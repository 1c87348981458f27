#include "app/host_runtime.h"

#include "dashboard/dashboard_routes.h"
#include "openapi/openapi_document.h"
#include "openapi/openapi_route.h"

#include "app/routes.h"
#include "config/options_reader.h"
#include "config/schema_default.h"
#include "core/logger.h"
#include "cache/cache_options.h"
#include "data/data_options.h"
#include "data/data_routes.h"
#include "health/health_options.h"
#include "jobs/job_routes.h"
#include "services/component_factory.h"
#include "services/host_api.h"

#include <algorithm>
#include <cstdio>
#include <random>
#include <thread>

#include <unistd.h>

namespace wno::host {
namespace {

std::vector<PluginSpec> pluginSpecs(const config::OptionsNode& plugins) {
  std::vector<PluginSpec> specs;
  const config::OptionsNode load = plugins.child("load");
  for (size_t i = 0; i < load.size(); ++i) {
    const config::OptionsNode entry = load.item(i);
    PluginSpec spec;
    spec.name = entry.get<std::string>("name");
    // No file: the plugin is looked up by name in the plugin directories.
    spec.file = entry.find<std::string>("file").value_or("");
    spec.required = entry.get<bool>("required");
    spec.config = entry.get<nlohmann::json>("config");
    spec.pointer = entry.pointer();
    specs.push_back(std::move(spec));
  }
  return specs;
}

// Options are read from the filled document; one that still cannot be read
// (a runtime built from a document the loader never saw) is a config error
// naming its pointer, not a crash.
template <typename Fn>
Status readingOptions(Fn&& fn) {
  try {
    return fn();
  } catch (const config::OptionError& e) {
    return Status(WNO_ERR_INVALID, e.what());
  }
}

}  // namespace

HostRuntime::HostRuntime(nlohmann::json config, std::filesystem::path executableDir)
    : config_(config::withDefaults(std::move(config), "")),
      executableDir_(std::move(executableDir)),
      startedAt_(std::chrono::steady_clock::now()),
      services_(std::make_unique<HostServices>()),
      plugins_(std::make_unique<PluginManager>(hostApiTable(), services_.get())) {}

HostRuntime::~HostRuntime() { shutdown(); }

const nlohmann::json& HostRuntime::section(const char* name) const {
  // The constructor filled the schema's defaults, which give every section;
  // a document that is not even an object reads as empty sections.
  static const nlohmann::json empty = nlohmann::json::object();
  auto it = config_.is_object() ? config_.find(name) : config_.end();
  return config_.is_object() && it != config_.end() ? *it : empty;
}

std::vector<std::filesystem::path> HostRuntime::pluginDirectories() const {
  std::vector<std::filesystem::path> dirs;
  const config::FilledSection plugins(section("plugins"), "/plugins");
  for (const auto& dir : plugins.node().get<std::vector<std::string>>("directories")) dirs.emplace_back(dir);
  // The install layout, which the build tree mirrors (bin/wno-host next to
  // lib/wno/plugins/), is searched last even when directories are given: an
  // overlay that adds a plugin from its own folder keeps the shipped ones.
  const auto shipped = (executableDir_ / ".." / "lib" / "wno" / "plugins").lexically_normal();
  if (std::find(dirs.begin(), dirs.end(), shipped) == dirs.end()) dirs.push_back(shipped);
  return dirs;
}

Status HostRuntime::loadPlugins() {
  return readingOptions([&] {
    const config::FilledSection plugins(section("plugins"), "/plugins");
    return plugins_->loadAll(pluginSpecs(plugins.node()), pluginDirectories());
  });
}

void HostRuntime::checkReference(wno_kind kind, const std::string& name, const std::string& pointer,
                                 std::vector<std::string>& errors) const {
  if (plugins_->find(kind, name)) return;
  std::string known;
  for (const auto& type : plugins_->components()) {
    if (type->kind == kind) known += (known.empty() ? "" : ", ") + type->name;
  }
  errors.push_back(pointer + ": no " + kindName(kind) + " component named \"" + name +
                   "\" is loaded (loaded: " + (known.empty() ? "none" : known) +
                   "); add the plugin that provides it to /plugins/load");
}

std::vector<std::string> HostRuntime::checkReferences() const {
  std::vector<std::string> errors;
  auto check = [&](wno_kind kind, const ComponentConfig& c) {
    checkReference(kind, c.type, c.pointer + "/" + c.typeKey, errors);
  };
  try {
    for (const auto& level : cacheLevelsFrom(section("cache"))) check(WNO_KIND_CACHE, level);
    for (const auto& repository : data::dataOptionsFrom(section("data")).repositories) {
      check(WNO_KIND_REPOSITORY, repository.component);
    }
    checkJobReferences(errors);
    for (const auto& probe : probeConfigsFrom(section("health"))) check(WNO_KIND_HEALTH_PROBE, probe.component);
  } catch (const config::OptionError& e) {
    errors.push_back(e.what());
  }
  return errors;
}

Status HostRuntime::createCache() {
  const auto& cacheConfig = section("cache");
  std::vector<CacheLevel> levels;
  for (const auto& level : cacheLevelsFrom(cacheConfig)) {
    // L1 also gets the regions' byte shares (/cache/regions/<r>/max_share).
    auto instance = createComponent<wno_type_cache>(*plugins_, services_.get(), level);
    if (!instance.isOk()) return instance.status();
    levels.push_back({level.name, std::move(instance).value()});
  }
  if (!levels.empty()) {
    std::string error;
    auto options = cacheOptionsFrom(cacheConfig, error);
    if (!options) return Status(WNO_ERR_INVALID, error);
    cache_ = std::make_unique<CacheService>(std::move(levels), std::move(*options), *services_);
    services_->setCache(cache_.get());
  }
  return Status::ok();
}

Status HostRuntime::createProbes() {
  for (auto& probe : probeConfigsFrom(section("health"))) {
    auto instance = createComponent<wno_type_health_probe>(*plugins_, services_.get(), probe.component);
    if (!instance.isOk()) return instance.status();
    if (probe.breakerEnabled) {
      probe.options.breaker =
          services_->breakers().create("probe " + probe.options.name, "probe", breakerOptionsFrom(probe.breaker));
    }
    probes_.push_back(std::make_unique<ProbeRunner>(std::move(instance).value(), probe.options, services_->metrics()));
  }
  return Status::ok();
}

Status HostRuntime::createRepositories() {
  const data::DataOptions options = data::dataOptionsFrom(section("data"));
  std::vector<std::string> errors;
  auto collections = data::collectionsFrom(options.collections, errors);
  if (errors.empty()) {
    userStats_ = data::statCountsFrom(declaredUserStats(), collections, errors);
  }
  if (!errors.empty()) {
    std::string all;
    for (const auto& e : errors) all += (all.empty() ? "" : "\n") + e;
    return Status(WNO_ERR_INVALID, all);
  }
  // Before the job handlers are created: compute_user_stats reads it then.
  services_->setUserStatsCounts(data::statCountsJson(userStats_));
  if (options.repositories.empty()) {
    if (!collections.empty()) return Status(WNO_ERR_INVALID, "/data/repositories: collections need a repository");
    return Status::ok();
  }
  std::map<std::string, std::unique_ptr<RepositoryInstance>> repositories;
  for (const auto& r : options.repositories) {
    auto instance = createComponent<wno_type_repository>(*plugins_, services_.get(), r.component);
    if (!instance.isOk()) return instance.status();
    repositories.emplace(r.component.name, std::move(instance).value());
  }
  for (auto& [name, c] : collections) {
    if (c.repository.empty()) c.repository = repositories.begin()->first;
    if (!repositories.count(c.repository)) {
      return Status(WNO_ERR_INVALID, "/data/collections/" + name + "/repository: no repository named \"" +
                                         c.repository + "\" in /data/repositories");
    }
  }
  repositories_ = std::make_unique<data::RepositoryService>(std::move(repositories), std::move(collections),
                                                            options.slowQueryMs, *services_);
  repositories_->setMaxBulkRows(options.maxBulkRows);
  for (const auto& r : options.repositories) {
    if (!r.breakerEnabled) continue;
    const std::string& name = r.component.name;
    repositories_->setBreaker(name, services_->breakers().create("repository " + name, "repository",
                                                                 breakerOptionsFrom(r.breaker)));
  }
  if (Status s = repositories_->defineCollections(); !s.isOk()) return s;
  std::string eagerError;
  auto eager = eagerRefreshFrom(section("cache"), eagerError);
  if (!eager) return Status(WNO_ERR_INVALID, eagerError);
  repositories_->setCache(cache_.get(), *eager);
  services_->setRepositories(repositories_.get());
  ensureCursorCodec();
  dataRoutes_.maxBulkRows = options.maxBulkRows;
  return Status::ok();
}

nlohmann::json HostRuntime::declaredUserStats() const {
  const auto& stats = section("data").value("user_stats", nlohmann::json::object());
  if (auto counts = stats.find("counts"); counts != stats.end()) return *counts;
  return config::schemaDefault("/data/user_stats/counts");
}

void HostRuntime::ensureCursorCodec() {
  if (cursors_) return;
  std::string secret = data::dataOptionsFrom(section("data")).cursorSecret;
  if (secret.empty()) {
    // Random per process: cursors still verify, but not across restarts or
    // hosts. Production configs set /data/cursor_secret.
    std::random_device random;
    for (int i = 0; i < 4; ++i) secret += std::to_string(random());
    logWarn("data", "no /data/cursor_secret configured: cursors are valid on this process only");
  }
  cursors_ = std::make_unique<data::CursorCodec>(secret);
}

Status HostRuntime::createComponents() {
  return readingOptions([&] {
    if (Status s = createCache(); !s.isOk()) return s;
    if (Status s = createRepositories(); !s.isOk()) return s;
    if (Status s = createProbes(); !s.isOk()) return s;
    for (auto& probe : probes_) probe->start();

    const LoadFactorConfig loadConfig = loadFactorConfigFrom(section("load_factor"));
    loadInterval_ = loadConfig.options.interval;
    auto signals = loadSignals(loadConfig);
    if (signals.empty() && !loadConfig.options.fixed) {
      logWarn("load", "no load signals configured; the load factor stays 0");
    }
    load_ = std::make_unique<LoadFactor>(loadConfig.options, std::move(signals), *services_);
    load_->start();
    // Workers may run jobs at once, and their handlers use everything above.
    if (Status s = createJobs(); !s.isOk()) return s;
    return createAlerts();
  });
}

Status HostRuntime::createAlerts() {
  std::vector<std::string> errors;
  auto config = alerts::alertsConfigFrom(section("alerts"), errors);
  if (!config) {
    std::string all;
    for (const auto& e : errors) all += (all.empty() ? "" : "\n") + e;
    return Status(WNO_ERR_INVALID, all);
  }
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) std::snprintf(name, sizeof name, "host");
  alerts_ = std::make_unique<alerts::AlertService>(std::move(*config), services_->metrics(),
                                                   std::string(name) + ":" + std::to_string(::getpid()));
  alerts_->start();
  return Status::ok();
}

Status HostRuntime::startHttp() {
  return readingOptions([&] { return listen(); });
}

Status HostRuntime::listen() {
  // Every option first: nothing below may throw with a server half built.
  const http::HttpOptions httpOptions = http::httpOptionsFrom(section("http"));
  ProtectionOptions protectionOptions = protectionOptionsFrom(section("protection"));
  const std::string adminKey = config::FilledSection(section("admin"), "/admin").node().get<std::string>("api_key");
  const http::ServerOptions& options = httpOptions.server;
  httpShutdownGrace_ = httpOptions.shutdownGrace;
  auto router = std::make_shared<http::Router>();
  addRoutes(*router);
  http_ = std::make_unique<http::HttpServer>(options, router, services_->metrics());
  auto protection = Protection::create(std::move(protectionOptions), *services_);
  if (!protection.isOk()) {
    http_.reset();
    return protection.status();
  }
  protection_ = std::move(protection).value();
  // Protection first: shedding and rate limits are cheaper than auth and
  // must hold even for clients that send bad credentials.
  if (protection_->enabled()) http_->addMiddleware(protection_->middleware(), protection_->blocks());
  http_->addMiddleware(adminAuthMiddleware(adminKey));
  try {
    http_->start();
  } catch (const std::exception& e) {
    http_.reset();
    return Status(WNO_ERR_UNAVAILABLE,
                  "cannot listen on " + options.host + ":" + std::to_string(options.port) + ": " + e.what());
  }
  accepting_.store(true);
  logInfo("http", "listening", {{"host", options.host}, {"port", http_->port()}});
  return Status::ok();
}

void HostRuntime::addRoutes(http::Router& router) {
  addSystemRoutes(router, *this);
  if (repositories_) {
    data::DataRouteOptions options = dataRoutes_;
    options.userStats = userStats_;
    data::addDataRoutes(router, *repositories_, *cursors_, options);
  }
  if (jobs_) jobs::addJobRoutes(router, *jobs_, *cursors_);
  addAdminRoutes(router, *this, cache_.get());
  openapi::addOpenApiRoute(router, openApiDocument());
  dashboard::addDashboardRoutes(router);
}

nlohmann::json HostRuntime::openApiDocument() const {
  openapi::OpenApiInputs inputs;
  inputs.config = config_;
  inputs.hostVersion = WNO_HOST_VERSION;
  for (const auto& [type, schema] : jobDataSchemas()) inputs.jobDataSchemas.emplace(type, schema->schema());
  return openapi::openApiDocument(inputs);
}

std::string HostRuntime::metricsText() {
  if (cache_) cache_->refreshLevelGauges();
  if (http_) http_->refreshGauges();
  if (jobs_) jobs_->refreshGauges();
  services_->breakers().refreshGauges();
  return services_->metrics().serialize();
}

void HostRuntime::shutdown() {
  if (shutDown_.exchange(true)) return;
  accepting_.store(false);
  // Stop judging a host that is going away (its probes and breakers soon say
  // down); events already queued are sent or logged as dropped.
  alerts_.reset();
  // Jobs stop claiming at once and drain alongside HTTP, so the two grace
  // periods overlap; requests still in flight may enqueue meanwhile.
  std::thread jobsStopping([this] { stopJobs(); });
  if (http_) {
    const auto grace = httpShutdownGrace_;
    logInfo("host", "draining HTTP", {{"grace_ms", grace.count()}, {"in_flight", http_->inFlight()}});
    const int cutOff = http_->shutdown(grace);
    if (cutOff > 0) logWarn("host", "grace period ended with requests in flight", {{"cut_off", cutOff}});
    http_.reset();
  }
  jobsStopping.join();
  if (load_) load_->stop();
  load_.reset();
  services_->setJobs(nullptr);
  // Nothing writes rows any more (HTTP drained, workers stopped).
  if (repositories_) repositories_->setRowListener(nullptr);
  // A service whose handlers would not stop still has threads inside it.
  if (jobs_ && !jobsStoppedCleanly_) (void)jobs_.release();
  jobs_.reset();
  for (auto& probe : probes_) probe->stop();
  probes_.clear();
  services_->setRepositories(nullptr);
  repositories_.reset();
  services_->setCache(nullptr);
  cache_.reset();
  plugins_->unloadAll();
  logInfo("host", "stopped");
}

}  // namespace wno::host
