// Command-line parsing for wno-host. Hand-rolled rather than Poco's
// OptionSet because the documented syntax is "--config FILE" (space
// separated, repeatable), which Poco's long options do not accept.
#pragma once

#include <string>
#include <vector>

namespace wno::host {

struct CliOptions {
  std::vector<std::string> configFiles;  // in order; later ones are overlays
  std::vector<std::string> overrides;    // --set /pointer=value
  bool validateOnly = false;
  bool printConfig = false;
  bool printSources = false;  // --print-config=sources: each value with where it came from
  bool listPlugins = false;
  bool printOpenApi = false;
  bool help = false;
  bool version = false;
  std::string error;  // non-empty: the arguments were wrong
};

CliOptions parseCommandLine(const std::vector<std::string>& args);
std::string usageText();

}  // namespace wno::host
