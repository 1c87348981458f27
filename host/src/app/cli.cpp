#include "app/cli.h"

namespace wno::host {

CliOptions parseCommandLine(const std::vector<std::string>& args) {
  CliOptions options;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    // Accept both "--flag value" and "--flag=value".
    auto valueOf = [&](const std::string& flag, std::string& out) -> bool {
      if (arg == flag) {
        if (i + 1 >= args.size()) {
          options.error = flag + " needs a value";
          return true;
        }
        out = args[++i];
        return true;
      }
      if (arg.rfind(flag + "=", 0) == 0) {
        out = arg.substr(flag.size() + 1);
        return true;
      }
      return false;
    };
    std::string value;
    if (valueOf("--config", value) || valueOf("-c", value)) {
      if (options.error.empty()) options.configFiles.push_back(value);
    } else if (valueOf("--set", value) || valueOf("-s", value)) {
      if (options.error.empty()) options.overrides.push_back(value);
    } else if (arg == "--validate-config") {
      options.validateOnly = true;
    } else if (arg == "--print-config") {
      options.printConfig = true;
    } else if (arg == "--print-config=sources") {
      options.printConfig = true;
      options.printSources = true;
    } else if (arg == "--print-openapi") {
      options.printOpenApi = true;
    } else if (arg == "--list-plugins") {
      options.listPlugins = true;
    } else if (arg == "--help" || arg == "-h") {
      options.help = true;
    } else if (arg == "--version" || arg == "-v") {
      options.version = true;
    } else {
      options.error = "unknown argument \"" + arg + "\" (see --help)";
    }
    if (!options.error.empty()) break;
  }
  return options;
}

std::string usageText() {
  return "usage: wno-host [options]\n"
         "\n"
         "Runs the wno host on the built-in default config (config/default.json at\n"
         "build time) unless --config is given.\n"
         "\n"
         "  -c, --config FILE      config file; repeat to merge overlays (JSON Merge Patch,\n"
         "                         named lists merged by key: see docs/config.md);\n"
         "                         @default is the built-in default, e.g.\n"
         "                         --config @default --config /etc/wno/wno.json\n"
         "  -s, --set PTR=VALUE    override one value, e.g. --set /http/port=9000\n"
         "                         (VALUE is parsed as JSON, else taken as a string)\n"
         "      --validate-config  check config, plugins and each component's own config\n"
         "                         (created and destroyed once), print every error, exit 0/1\n"
         "      --print-config     print the effective config with secrets redacted\n"
         "      --print-config=sources\n"
         "                         one line per value with where it came from (a file,\n"
         "                         @default, --set, ${ENV} or the schema default)\n"
         "      --list-plugins     load the configured plugins and list them\n"
         "      --print-openapi    print the OpenAPI 3.1 document this config serves at\n"
         "                         /openapi.json (loads plugins, connects to nothing)\n"
         "  -h, --help             this text\n"
         "  -v, --version          print the host and ABI versions\n"
         "\n"
         "exit status: 0 ok, 1 invalid config or arguments, 2 a required plugin was refused,\n"
         "             3 the host failed to start (e.g. the port is taken)\n";
}

}  // namespace wno::host
