// A strict checker for the Prometheus text exposition format (0.0.4), for
// tests: every line must be a HELP/TYPE comment or a sample with a valid
// name, well-quoted labels and a number; TYPE comes before a family's samples.
#pragma once

#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace wno::test {

// Empty when valid, else "line N: why".
inline std::string checkPrometheusText(const std::string& text) {
  static const std::regex help(R"(^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$)");
  static const std::regex type(R"(^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$)");
  static const std::regex sample(
      R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")*,?)?\})? ([-+]?([0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?|Inf|NaN))( -?[0-9]+)?$)");
  std::istringstream in(text);
  std::string line;
  std::set<std::string> typed;
  int n = 0;
  std::smatch m;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    if (line.rfind("# HELP ", 0) == 0) {
      if (!std::regex_match(line, help)) return "line " + std::to_string(n) + ": malformed HELP: " + line;
      continue;
    }
    if (line.rfind("# TYPE ", 0) == 0) {
      if (!std::regex_match(line, m, type)) return "line " + std::to_string(n) + ": malformed TYPE: " + line;
      typed.insert(m[1]);
      continue;
    }
    if (line[0] == '#') continue;
    if (!std::regex_match(line, m, sample)) return "line " + std::to_string(n) + ": malformed sample: " + line;
    std::string family = m[1];
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      const std::string s = suffix;
      if (family.size() > s.size() && family.compare(family.size() - s.size(), s.size(), s) == 0 &&
          typed.count(family.substr(0, family.size() - s.size()))) {
        family = family.substr(0, family.size() - s.size());
      }
    }
    if (!typed.count(family)) return "line " + std::to_string(n) + ": sample before its TYPE: " + line;
  }
  return "";
}

}  // namespace wno::test
