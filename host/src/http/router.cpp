#include "http/router.h"

#include <algorithm>
#include <optional>
#include <stdexcept>

namespace wno::host::http {

std::vector<std::string> splitPath(const std::string& path) {
  std::vector<std::string> segments;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

namespace {
bool isCapture(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Lower is more specific: a literal at an earlier depth outranks a capture.
std::vector<int> specificity(const Route& route) {
  std::vector<int> rank;
  for (const auto& s : route.segments) rank.push_back(isCapture(s) ? 1 : 0);
  return rank;
}
}  // namespace

void Router::add(std::string method, std::string pattern, RouteGroup group, Handler handler, Execution execution) {
  Route route;
  route.name = method + " " + pattern;
  route.method = std::move(method);
  route.segments = splitPath(pattern);
  route.pattern = std::move(pattern);
  route.group = group;
  route.handler = std::move(handler);
  route.execution = execution;
  routes_.push_back(std::move(route));
  std::stable_sort(routes_.begin(), routes_.end(),
                   [](const Route& a, const Route& b) { return specificity(a) < specificity(b); });
}

void Router::setFastPath(const std::string& method, const std::string& pattern, FastPath fastPath) {
  for (auto& route : routes_) {
    if (route.method == method && route.pattern == pattern) {
      route.fastPath = std::move(fastPath);
      return;
    }
  }
  throw std::logic_error("no route " + method + " " + pattern + " to attach a fast path to");
}

RouteMatch Router::match(const std::string& method, const std::string& path) const {
  const auto segments = splitPath(path);
  RouteMatch result;
  // Once a pattern matched the path, only equally specific patterns may
  // answer: POST /api/v1/jobs must be a 405 of the jobs route, not fall
  // through to "/api/v1/{collection}".
  std::optional<std::vector<int>> matchedRank;
  for (const auto& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    if (matchedRank && specificity(route) != *matchedRank) continue;
    std::map<std::string, std::string> params;
    bool matched = true;
    for (size_t i = 0; i < segments.size() && matched; ++i) {
      if (isCapture(route.segments[i])) {
        params[route.segments[i].substr(1, route.segments[i].size() - 2)] = segments[i];
      } else {
        matched = route.segments[i] == segments[i];
      }
    }
    if (!matched) continue;
    matchedRank = specificity(route);
    if (route.method == method || (method == "HEAD" && route.method == "GET")) {
      result.route = &route;
      result.params = std::move(params);
      result.allowedMethods.clear();
      return result;
    }
    if (std::find(result.allowedMethods.begin(), result.allowedMethods.end(), route.method) ==
        result.allowedMethods.end()) {
      result.allowedMethods.push_back(route.method);
    }
  }
  return result;
}

}  // namespace wno::host::http
