// wno-host entry point: parse arguments, load and validate config, then run
// the host as a Poco ServerApplication until SIGTERM/SIGINT.
#include "app/cli.h"
#include "app/host_runtime.h"
#include "app/systemd_notifier.h"
#include "config/config_loader.h"
#include "config/options_reader.h"
#include "core/logger.h"

#include <Poco/Util/ServerApplication.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>

namespace wno::host {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitBadConfig = 1;
constexpr int kExitPluginRefused = 2;
constexpr int kExitStartFailed = 3;

std::filesystem::path executableDir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::current_path() : exe.parent_path();
}

void configureLogging(const nlohmann::json& config) {
  const config::FilledSection log(config.is_object() && config.contains("log") ? config["log"] : nlohmann::json::object(),
                                  "/log");
  const auto level = parseLogLevel(log.node().get<std::string>("level")).value_or(WNO_LOG_INFO);
  Logger::instance().configure(level, log.node().get<std::string>("format") == "text" ? LogFormat::Text : LogFormat::Json);
}

void printPluginTable(PluginManager& manager) {
  std::printf("%-20s %-10s %-5s %-44s %s\n", "NAME", "VERSION", "ABI", "COMPONENTS", "PATH");
  for (const auto& plugin : manager.plugins()) {
    std::string components;
    for (const auto& label : plugin->componentLabels) components += (components.empty() ? "" : ",") + label;
    std::printf("%-20s %-10s 1.%-3u %-44s %s\n", plugin->name.c_str(), plugin->version.c_str(), plugin->abiMinor,
                components.c_str(), plugin->path.c_str());
  }
  for (const auto& refusal : manager.refusals()) std::printf("%s\n", refusal.line().c_str());
}

class HostApplication : public Poco::Util::ServerApplication {
 public:
  explicit HostApplication(HostRuntime& runtime) : runtime_(runtime) {}

 protected:
  int main(const ArgVec&) override {
    if (Status s = runtime_.createComponents(); !s.isOk()) {
      logError("host", s.message());
      std::cerr << "wno-host: " << s.message() << "\n";
      return kExitBadConfig;
    }
    if (Status s = runtime_.startHttp(); !s.isOk()) {
      logError("host", s.message());
      std::cerr << "wno-host: " << s.message() << "\n";
      return kExitStartFailed;
    }
    logInfo("host", "started", {{"version", WNO_HOST_VERSION}, {"port", runtime_.port()}});
    SystemdNotifier systemd(
        [this] {
          std::vector<std::string> reasons;
          return runtime_.ready(reasons);
        },
        config::OptionsNode(runtime_.config(), "").child("http").get<std::string>("host"), runtime_.port());
    waitForTerminationRequest();
    logInfo("host", "termination requested; shutting down");
    systemd.stopping();
    runtime_.shutdown();
    return kExitOk;
  }

 private:
  HostRuntime& runtime_;
};

// Blocks the termination signals before any thread starts, so every thread
// inherits the mask and only waitForTerminationRequest() receives them;
// otherwise SIGTERM could hit a worker thread and kill the process undrained.
void blockTerminationSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGQUIT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // hiredis (shared rate limits, the redis plugin) writes with write(2): a
  // write to a Redis that just died must fail with EPIPE, not kill the host.
  std::signal(SIGPIPE, SIG_IGN);
}

std::string invalidConfigLine(size_t errors) {
  return "wno-host: invalid config (" + std::to_string(errors) + " error" + (errors == 1 ? "" : "s") + "):\n";
}

// A command line that cannot be read, --help and --version: answered
// before any config is read.
std::optional<int> answerWithoutConfig(const CliOptions& cli) {
  if (!cli.error.empty()) {
    std::cerr << "wno-host: " << cli.error << "\n" << usageText();
    return kExitBadConfig;
  }
  if (cli.help) {
    std::cout << usageText();
    return kExitOk;
  }
  if (cli.version) {
    std::cout << "wno-host " << WNO_HOST_VERSION << " (plugin ABI " << WNO_ABI_VERSION_MAJOR << "."
              << WNO_ABI_VERSION_MINOR << ")\n";
    return kExitOk;
  }
  return std::nullopt;
}

// --print-config[=sources]: secrets redacted.
void printEffectiveConfig(const CliOptions& cli, const config::LoadOptions& load, const config::LoadResult& loaded) {
  const nlohmann::json shown = config::redactSecrets(loaded.effective);
  if (!cli.printSources) {
    std::cout << shown.dump(2) << "\n";
    return;
  }
  std::cout << "# wno-host " << WNO_HOST_VERSION << ": effective config from";
  for (const auto& f : load.files) std::cout << " " << f;
  std::cout << (load.overrides.empty() ? "" : " + --set") << "; secrets redacted\n"
            << config::formatSources(shown, loaded.sources);
}

// Once the plugins are loaded: the commands that end there (--list-plugins,
// --print-openapi, --validate-config) and what stops the host from starting
// (a required plugin refused, a config naming what no plugin provides).
std::optional<int> answerWithPlugins(HostRuntime& runtime, const CliOptions& cli, size_t configFiles) {
  const Status plugins = runtime.loadPlugins();
  if (cli.listPlugins) {
    printPluginTable(runtime.plugins());
    return plugins.isOk() ? kExitOk : kExitPluginRefused;
  }
  if (!plugins.isOk()) {
    for (const auto& refusal : runtime.plugins().refusals()) {
      if (refusal.required) std::cerr << "wno-host: " << refusal.line() << "\n";
    }
    return kExitPluginRefused;
  }
  if (auto errors = runtime.checkReferences(); !errors.empty()) {
    std::cerr << invalidConfigLine(errors.size());
    for (const auto& e : errors) std::cerr << e << "\n";
    return kExitBadConfig;
  }
  if (cli.printOpenApi) {
    std::cout << runtime.openApiDocument().dump(2) << "\n";
    return kExitOk;
  }
  if (cli.validateOnly) {
    if (auto errors = runtime.dryRunComponents(); !errors.empty()) {
      std::cerr << invalidConfigLine(errors.size());
      for (const auto& e : errors) std::cerr << "  " << e << "\n";
      return kExitBadConfig;
    }
    std::cout << "config OK: " << configFiles << " file(s), " << runtime.plugins().plugins().size()
              << " plugin(s) loaded\n";
    return kExitOk;
  }
  return std::nullopt;
}

int run(int argc, char** argv) {
  blockTerminationSignals();
  CliOptions cli = parseCommandLine(std::vector<std::string>(argv + 1, argv + argc));
  if (auto exitCode = answerWithoutConfig(cli)) return *exitCode;

  config::LoadOptions load;
  // No --config: the default compiled into this binary, so the host runs
  // from any folder (an installed one included) with nothing next to it.
  load.files = cli.configFiles.empty() ? std::vector<std::string>{config::kBuiltinDefaultName} : cli.configFiles;
  load.overrides = cli.overrides;
  config::LoadResult loaded = config::loadConfig(load);
  if (!loaded.ok()) {
    std::cerr << invalidConfigLine(loaded.errors.size()) << config::formatErrors(loaded.errors);
    return kExitBadConfig;
  }
  if (cli.printConfig) {
    printEffectiveConfig(cli, load, loaded);
    return kExitOk;
  }
  configureLogging(loaded.effective);
  // The document goes to stdout, where the log lines go too: only errors
  // (which also fail the command) may join it.
  if (cli.printOpenApi) Logger::instance().configure(WNO_LOG_ERROR, LogFormat::Text);

  HostRuntime runtime(loaded.effective, executableDir());
  if (auto exitCode = answerWithPlugins(runtime, cli, load.files.size())) return *exitCode;
  HostApplication app(runtime);
  char* appArgv[] = {argv[0], nullptr};
  return app.run(1, appArgv);
}

}  // namespace
}  // namespace wno::host

int main(int argc, char** argv) {
  try {
    return wno::host::run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "wno-host: fatal: " << e.what() << "\n";
    return 3;
  }
}
