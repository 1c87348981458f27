#include "http/router.h"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string_view>

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

// The path's segments as views, without allocating for the common depths.
size_t splitInto(std::string_view path, std::string_view* out, size_t capacity) {
  size_t n = 0;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) {
      if (n == capacity) return capacity + 1;
      out[n++] = path.substr(start, end - start);
    }
    start = end + 1;
  }
  return n;
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
  route.rank = specificity(route);
  routes_.push_back(std::move(route));
  std::stable_sort(routes_.begin(), routes_.end(), [](const Route& a, const Route& b) { return a.rank < b.rank; });
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
  constexpr size_t kMaxDepth = 16;
  std::string_view segments[kMaxDepth];
  const size_t depth = splitInto(path, segments, kMaxDepth);
  RouteMatch result;
  if (depth > kMaxDepth) return result;  // deeper than any route
  // Once a pattern matched the path, only equally specific patterns may
  // answer: POST /api/v1/jobs must be a 405 of the jobs route, not fall
  // through to "/api/v1/{collection}".
  const std::vector<int>* matchedRank = nullptr;
  for (const auto& route : routes_) {
    if (route.segments.size() != depth) continue;
    if (matchedRank && route.rank != *matchedRank) continue;
    bool matched = true;
    for (size_t i = 0; i < depth && matched; ++i) {
      matched = route.rank[i] == 1 || route.segments[i] == segments[i];
    }
    if (!matched) continue;
    matchedRank = &route.rank;
    if (route.method == method || (method == "HEAD" && route.method == "GET")) {
      result.route = &route;
      for (size_t i = 0; i < depth; ++i) {
        if (route.rank[i] == 1) {
          result.params.emplace(route.segments[i].substr(1, route.segments[i].size() - 2), std::string(segments[i]));
        }
      }
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
