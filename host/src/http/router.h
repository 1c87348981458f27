// Method + path-pattern routing. Patterns are literal segments and "{name}"
// captures ("/api/v1/{collection}/{id}"); literal segments win over captures
// at the same depth, so "/api/v1/jobs" beats "/api/v1/{collection}".
#pragma once

#include "http/request_context.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace wno::host::http {

// Route groups decide protection: health and metrics are never shed or rate
// limited; admin needs the admin key; api is the public, sheddable surface.
enum class RouteGroup { Api, Health, Metrics, Admin };

using Handler = std::function<void(RequestContext&)>;

// Where a route's handler runs. The HTTP engine reads requests on a few event
// loop threads; a Worker handler (the default) is handed to the bounded worker
// pool because it may block (repository, L2, plugin calls). An Inline handler
// runs on the loop itself and must never block: probes and metrics, which
// must answer even when every worker is busy.
enum class Execution { Worker, Inline };

// Tried on the loop before a Worker handler is queued; answers and returns
// true when it can do so without blocking (an L1 hit), false to fall through
// to the handler on a worker. Must not block.
using FastPath = std::function<bool(RequestContext&)>;

struct Route {
  std::string method;
  std::string pattern;
  std::string name;  // stable label for metrics, e.g. "GET /api/v1/{collection}"
  RouteGroup group = RouteGroup::Api;
  Handler handler;
  Execution execution = Execution::Worker;
  FastPath fastPath;
  std::vector<std::string> segments;
  std::vector<int> rank;  // per segment: 0 literal, 1 capture (lower is more specific)
};

struct RouteMatch {
  const Route* route = nullptr;
  std::map<std::string, std::string> params;
  std::vector<std::string> allowedMethods;  // non-empty when only the method failed (405)
};

class Router {
 public:
  void add(std::string method, std::string pattern, RouteGroup group, Handler handler,
           Execution execution = Execution::Worker);
  // Attaches a loop-side fast path to a route added earlier; throws
  // std::logic_error when there is no such route.
  void setFastPath(const std::string& method, const std::string& pattern, FastPath fastPath);
  RouteMatch match(const std::string& method, const std::string& path) const;

 private:
  std::vector<Route> routes_;
};

std::vector<std::string> splitPath(const std::string& path);

}  // namespace wno::host::http
