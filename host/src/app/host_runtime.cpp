#include "app/host_runtime.h"

#include "dashboard/dashboard_routes.h"
#include "openapi/openapi_document.h"
#include "openapi/openapi_route.h"

#include "app/routes.h"
#include "config/schema_default.h"
#include "core/logger.h"
#include "data/data_routes.h"
#include "health/process_resources.h"
#include "jobs/job_routes.h"
#include "services/host_api.h"

#include <algorithm>
#include <cstdio>
#include <random>
#include <thread>

#include <unistd.h>

namespace wno::host {
namespace {

std::vector<PluginSpec> pluginSpecs(const nlohmann::json& plugins) {
  std::vector<PluginSpec> specs;
  const auto& load = plugins.value("load", nlohmann::json::array());
  for (size_t i = 0; i < load.size(); ++i) {
    const auto& entry = load[i];
    PluginSpec spec;
    spec.name = entry.value("name", "");
    spec.file = entry.value("file", "");
    spec.required = entry.value("required", true);
    spec.config = entry.value("config", nlohmann::json::object());
    spec.pointer = "/plugins/load/" + std::to_string(i);
    specs.push_back(std::move(spec));
  }
  return specs;
}

}  // namespace

HostRuntime::HostRuntime(nlohmann::json config, std::filesystem::path executableDir)
    : config_(std::move(config)),
      executableDir_(std::move(executableDir)),
      startedAt_(std::chrono::steady_clock::now()),
      services_(std::make_unique<HostServices>()),
      plugins_(std::make_unique<PluginManager>(hostApiTable(), services_.get())) {}

HostRuntime::~HostRuntime() { shutdown(); }

const nlohmann::json& HostRuntime::section(const char* name) const {
  // The loader fills defaults, but a runtime built from a partial document
  // (tests, embedding) must not crash on a missing section.
  static const nlohmann::json empty = nlohmann::json::object();
  auto it = config_.find(name);
  return it != config_.end() && it->is_object() ? *it : empty;
}

std::vector<std::filesystem::path> HostRuntime::pluginDirectories() const {
  std::vector<std::filesystem::path> dirs;
  for (const auto& dir : section("plugins").value("directories", nlohmann::json::array())) {
    dirs.emplace_back(dir.get<std::string>());
  }
  // The install layout, which the build tree mirrors (bin/wno-host next to
  // lib/wno/plugins/), is searched last even when directories are given: an
  // overlay that adds a plugin from its own folder keeps the shipped ones.
  const auto shipped = (executableDir_ / ".." / "lib" / "wno" / "plugins").lexically_normal();
  if (std::find(dirs.begin(), dirs.end(), shipped) == dirs.end()) dirs.push_back(shipped);
  return dirs;
}

Status HostRuntime::loadPlugins() { return plugins_->loadAll(pluginSpecs(section("plugins")), pluginDirectories()); }

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
  auto check = [&](wno_kind kind, const std::string& name, const std::string& pointer) {
    checkReference(kind, name, pointer, errors);
  };
  const auto& levels = section("cache").value("levels", nlohmann::json::array());
  for (size_t i = 0; i < levels.size(); ++i) {
    check(WNO_KIND_CACHE, levels[i].value("backend", ""), "/cache/levels/" + std::to_string(i) + "/backend");
  }
  const auto& repos = section("data").value("repositories", nlohmann::json::array());
  for (size_t i = 0; i < repos.size(); ++i) {
    check(WNO_KIND_REPOSITORY, repos[i].value("type", ""), "/data/repositories/" + std::to_string(i) + "/type");
  }
  checkJobReferences(errors);
  const auto& probes = section("health").value("probes", nlohmann::json::array());
  for (size_t i = 0; i < probes.size(); ++i) {
    check(WNO_KIND_HEALTH_PROBE, probes[i].value("type", ""), "/health/probes/" + std::to_string(i) + "/type");
  }
  return errors;
}

Status HostRuntime::createCache() {
  const wno_host_api* api = hostApiTable();
  const auto& cacheConfig = section("cache");
  std::vector<CacheLevel> levels;
  const auto& levelConfigs = cacheConfig.value("levels", nlohmann::json::array());
  for (size_t i = 0; i < levelConfigs.size(); ++i) {
    const auto& level = levelConfigs[i];
    const std::string name = level.value("name", "l" + std::to_string(i + 1));
    auto type = plugins_->find(WNO_KIND_CACHE, level.value("backend", ""));
    if (!type) return Status(WNO_ERR_INVALID, "/cache/levels/" + std::to_string(i) + "/backend: not loaded");
    // L1 also gets the regions' byte shares (/cache/regions/<r>/max_share).
    auto instance = CacheBackendInstance::create(type, api, services_.get(), name, levelBackendConfig(cacheConfig, i));
    if (!instance.isOk()) {
      return Status(instance.status().code(), "/cache/levels/" + std::to_string(i) +
                                                  "/config: cache backend \"" + type->name +
                                                  "\" refused its config: " + instance.status().message());
    }
    levels.push_back({name, std::move(instance).value()});
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
  const wno_host_api* api = hostApiTable();
  const auto& probeConfigs = section("health").value("probes", nlohmann::json::array());
  for (size_t i = 0; i < probeConfigs.size(); ++i) {
    const auto& probe = probeConfigs[i];
    const std::string pointer = "/health/probes/" + std::to_string(i);
    auto type = plugins_->find(WNO_KIND_HEALTH_PROBE, probe.value("type", ""));
    if (!type) return Status(WNO_ERR_INVALID, pointer + "/type: not loaded");
    ProbeOptions options;
    options.name = probe.value("name", type->name);
    options.interval = std::chrono::milliseconds(probe.value("interval_ms", 5000));
    options.timeout = std::chrono::milliseconds(probe.value("timeout_ms", 2000));
    options.required = probe.value("required", false);
    // Off unless asked for: a breaker suits probes of remote dependencies
    // (http, postgres), not readings of this machine (cpu, memory).
    const nlohmann::json breaker = probe.value("breaker", nlohmann::json::object());
    if (breakerEnabled(breaker).value_or(false)) {
      options.breaker = services_->breakers().create("probe " + options.name, "probe", breakerOptionsFrom(breaker));
    }
    auto instance = HealthProbeInstance::create(type, api, services_.get(), options.name,
                                                probe.value("config", nlohmann::json::object()));
    if (!instance.isOk()) {
      return Status(instance.status().code(), pointer + "/config: health probe \"" + type->name +
                                                  "\" refused its config: " + instance.status().message());
    }
    probes_.push_back(std::make_unique<ProbeRunner>(std::move(instance).value(), options, services_->metrics()));
  }
  return Status::ok();
}

Status HostRuntime::createRepositories() {
  const auto& dataConfig = section("data");
  std::vector<std::string> errors;
  auto collections = data::collectionsFrom(dataConfig.value("collections", nlohmann::json::object()), errors);
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
  const auto& repoConfigs = dataConfig.value("repositories", nlohmann::json::array());
  if (repoConfigs.empty()) {
    if (!collections.empty()) return Status(WNO_ERR_INVALID, "/data/repositories: collections need a repository");
    return Status::ok();
  }
  std::map<std::string, std::unique_ptr<RepositoryInstance>> repositories;
  for (size_t i = 0; i < repoConfigs.size(); ++i) {
    const auto& r = repoConfigs[i];
    const std::string pointer = "/data/repositories/" + std::to_string(i);
    auto type = plugins_->find(WNO_KIND_REPOSITORY, r.value("type", ""));
    if (!type) return Status(WNO_ERR_INVALID, pointer + "/type: not loaded");
    const std::string name = r.value("name", type->name);
    auto instance = RepositoryInstance::create(type, hostApiTable(), services_.get(), name,
                                               r.value("config", nlohmann::json::object()));
    if (!instance.isOk()) {
      return Status(instance.status().code(), pointer + "/config: repository \"" + type->name +
                                                  "\" refused its config: " + instance.status().message());
    }
    repositories.emplace(name, std::move(instance).value());
  }
  for (auto& [name, c] : collections) {
    if (c.repository.empty()) c.repository = repositories.begin()->first;
    if (!repositories.count(c.repository)) {
      return Status(WNO_ERR_INVALID, "/data/collections/" + name + "/repository: no repository named \"" +
                                         c.repository + "\" in /data/repositories");
    }
  }
  repositories_ = std::make_unique<data::RepositoryService>(std::move(repositories), std::move(collections),
                                                            dataConfig.value("slow_query_ms", int64_t{200}), *services_);
  repositories_->setMaxBulkRows(dataConfig.value("max_bulk_rows", static_cast<size_t>(10000)));
  for (const auto& r : repoConfigs) {
    // On unless turned off: a failing database then costs requests nothing
    // but a fast 503 with Retry-After.
    const nlohmann::json breaker = r.value("breaker", nlohmann::json::object());
    if (!breakerEnabled(breaker).value_or(true)) continue;
    const std::string name = r.value("name", r.value("type", ""));
    repositories_->setBreaker(name, services_->breakers().create("repository " + name, "repository",
                                                                 breakerOptionsFrom(breaker)));
  }
  if (Status s = repositories_->defineCollections(); !s.isOk()) return s;
  std::string eagerError;
  auto eager = eagerRefreshFrom(section("cache"), eagerError);
  if (!eager) return Status(WNO_ERR_INVALID, eagerError);
  repositories_->setCache(cache_.get(), *eager);
  services_->setRepositories(repositories_.get());
  ensureCursorCodec();
  return Status::ok();
}

nlohmann::json HostRuntime::declaredUserStats() const {
  const auto& stats = section("data").value("user_stats", nlohmann::json::object());
  if (auto counts = stats.find("counts"); counts != stats.end()) return *counts;
  return config::schemaDefault("/data/user_stats/counts");
}

void HostRuntime::ensureCursorCodec() {
  if (cursors_) return;
  std::string secret = section("data").value("cursor_secret", "");
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
  if (Status s = createCache(); !s.isOk()) return s;
  if (Status s = createRepositories(); !s.isOk()) return s;
  if (Status s = createProbes(); !s.isOk()) return s;
  for (auto& probe : probes_) probe->start();

  const auto& lf = section("load_factor");
  LoadFactorOptions loadOptions;
  loadOptions.interval = std::chrono::milliseconds(lf.value("interval_ms", 1000));
  loadOptions.smoothing = lf.value("smoothing", 0.3);
  loadOptions.historySize = lf.value("history_size", static_cast<size_t>(3600));
  if (lf.contains("fixed") && lf["fixed"].is_number()) loadOptions.fixed = lf["fixed"].get<double>();
  auto signals = loadSignals();
  if (signals.empty() && !loadOptions.fixed) {
    logWarn("load", "no load signals configured; the load factor stays 0");
  }
  load_ = std::make_unique<LoadFactor>(loadOptions, std::move(signals), *services_);
  load_->start();
  // Workers may run jobs at once, and their handlers use everything above.
  if (Status s = createJobs(); !s.isOk()) return s;
  return createAlerts();
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

std::vector<LoadSignal> HostRuntime::loadSignals() const {
  // "probe:<name>" reads a probe's load signal; "http_in_flight" is requests
  // in flight over HTTP worker threads. Without a list: every probe and
  // http_in_flight, equally weighted.
  std::vector<std::pair<std::string, double>> sources;
  const auto& lf = section("load_factor");
  if (lf.contains("signals")) {
    for (const auto& s : lf["signals"]) sources.emplace_back(s.value("source", ""), s.value("weight", 1.0));
  } else {
    for (const auto& probe : probes_) sources.emplace_back("probe:" + probe->options().name, 1.0);
    sources.emplace_back("http_in_flight", 1.0);
  }
  std::vector<LoadSignal> signals;
  const double threads = std::max(1, section("http").value("threads", 16));
  for (const auto& [source, weight] : sources) {
    LoadSignal signal{source, weight, nullptr};
    if (source == "http_in_flight") {
      signal.read = [this, threads]() -> std::optional<double> {
        if (!http_) return std::nullopt;
        return std::min(1.0, http_->inFlight() / threads);
      };
    } else if (source == "jobs_running") {
      // Worker slots in use: a host busy with jobs has less room for requests.
      signal.read = [this]() -> std::optional<double> {
        if (!jobs_) return std::nullopt;
        int slots = 0;
        for (const auto& [name, q] : jobs_->config().queues) slots += q.concurrency;
        if (slots == 0) return std::nullopt;
        return std::min(1.0, static_cast<double>(jobs_->running()) / slots);
      };
    } else if (source.rfind("probe:", 0) == 0) {
      const std::string name = source.substr(6);
      for (const auto& probe : probes_) {
        if (probe->options().name != name) continue;
        ProbeRunner* runner = probe.get();
        signal.read = [runner]() -> std::optional<double> {
          ProbeSnapshot s = runner->snapshot();
          if (!s.checked || s.load < 0) return std::nullopt;
          return s.load;
        };
      }
    }
    if (!signal.read) {
      logWarn("load", "unknown load signal source ignored", {{"source", source}});
      continue;
    }
    signals.push_back(std::move(signal));
  }
  return signals;
}

Status HostRuntime::startHttp() {
  const auto& h = section("http");
  http::ServerOptions options;
  options.host = h.value("host", "127.0.0.1");
  options.port = static_cast<uint16_t>(h.value("port", 8080));
  options.threads = h.value("threads", 16);
  options.maxQueued = h.value("max_queued", 256);
  options.maxBodyBytes = h.value("max_body_bytes", static_cast<size_t>(1 << 20));
  options.keepAlive = h.value("keep_alive", true);
  options.keepAliveTimeoutMs = h.value("keep_alive_timeout_ms", 5000);
  options.requestTimeoutMs = h.value("request_timeout_ms", 30000);
  options.loopThreads = h.value("loop_threads", 0);
  options.maxConnections = h.value("max_connections", 10000);
  options.maxHeaderBytes = h.value("max_header_bytes", static_cast<size_t>(16 * 1024));
  options.headerTimeoutMs = h.value("header_timeout_ms", 10000);
  options.bodyTimeoutMs = h.value("body_timeout_ms", 10000);
  options.minBodyBytesPerSecond = h.value("min_body_bytes_per_s", 1024);
  options.accessLog = h.value("access_log", true);

  auto router = std::make_shared<http::Router>();
  addRoutes(*router);
  http_ = std::make_unique<http::HttpServer>(options, router, services_->metrics());
  auto protection = Protection::create(protectionOptionsFrom(section("protection")), *services_);
  if (!protection.isOk()) {
    http_.reset();
    return protection.status();
  }
  protection_ = std::move(protection).value();
  // Protection first: shedding and rate limits are cheaper than auth and
  // must hold even for clients that send bad credentials.
  if (protection_->enabled()) http_->addMiddleware(protection_->middleware(), protection_->blocks());
  http_->addMiddleware(adminAuthMiddleware(section("admin").value("api_key", "")));
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
    const auto& dataConfig = section("data");
    data::DataRouteOptions options;
    options.maxBulkRows = dataConfig.value("max_bulk_rows", static_cast<size_t>(10000));
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

bool HostRuntime::ready(std::vector<std::string>& reasons) const {
  if (!accepting_.load()) reasons.push_back("the host is not accepting traffic (starting or shutting down)");
  // A shedding host tells the load balancer to send traffic elsewhere.
  if (protection_ && protection_->shedding()) reasons.push_back("shedding load (load factor above the threshold)");
  for (const auto& probe : probes_) {
    if (!probe->options().required) continue;
    ProbeSnapshot s = probe->snapshot();
    if (!s.checked && !s.timedOut) reasons.push_back("probe " + s.name + ": not checked yet");
    else if (s.status == WNO_HEALTH_DOWN) reasons.push_back("probe " + s.name + ": down: " + s.message);
  }
  return reasons.empty();
}

nlohmann::json HostRuntime::healthJson() const {
  nlohmann::json probes = nlohmann::json::array();
  wno_health overall = WNO_HEALTH_UP;
  for (const auto& probe : probes_) {
    ProbeSnapshot s = probe->snapshot();
    probes.push_back(s.toJson());
    if (!s.checked && !s.timedOut) continue;
    // A failing optional probe degrades the host; only required ones take it down.
    wno_health effect = s.required ? s.status : std::min<wno_health>(s.status, WNO_HEALTH_DEGRADED);
    overall = std::max(overall, effect);
  }
  // Every circuit breaker (cache levels, repositories, shared rate limits,
  // probes): one that is not closed means a dependency is failing.
  nlohmann::json breakers = services_->breakers().toJson();
  for (const auto& b : breakers) {
    if (b["state"] != "closed") overall = std::max<wno_health>(overall, WNO_HEALTH_DEGRADED);
  }
  const double uptime = std::chrono::duration<double>(std::chrono::steady_clock::now() - startedAt_).count();
  return {{"status", healthName(overall)},
          {"version", WNO_HOST_VERSION},
          {"abi", std::to_string(WNO_ABI_VERSION_MAJOR) + "." + std::to_string(WNO_ABI_VERSION_MINOR)},
          {"uptime_s", uptime},
          {"load_factor", services_->loadFactor()},
          {"load", load_ ? load_->toJson() : nlohmann::json(nullptr)},
          {"accepting", accepting_.load()},
          {"shedding", protection_ ? protection_->shedding() : false},
          {"protection", protection_ ? protection_->toJson() : nlohmann::json(nullptr)},
          {"http_in_flight", http_ ? http_->inFlight() : 0},
          {"resources", processResources()},
          {"jobs", jobs_ ? nlohmann::json{{"worker", jobs_->workerId()}, {"running", jobs_->running()}}
                         : nlohmann::json(nullptr)},
          {"probes", probes},
          {"breakers", breakers}};
}

std::string HostRuntime::metricsText() {
  if (cache_) cache_->refreshLevelGauges();
  services_->breakers().refreshGauges();
  return services_->metrics().serialize();
}

nlohmann::json HostRuntime::loadHistoryJson() const {
  nlohmann::json samples = nlohmann::json::array();
  if (load_) {
    for (const auto& s : load_->history()) samples.push_back({{"at_ms", s.atMs}, {"value", s.value}, {"raw", s.raw}});
  }
  return {{"interval_ms", section("load_factor").value("interval_ms", 1000)},
          {"samples", samples}};
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
    const auto grace = std::chrono::milliseconds(section("http").value("shutdown_grace_ms", 10000));
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
