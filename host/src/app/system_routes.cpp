#include "app/host_runtime.h"
#include "app/routes.h"
#include "health/process_metrics.h"

namespace wno::host {

// Every route here answers on the event loop (Execution::Inline): they read
// snapshots the probe threads and the metrics registry keep, never wait on a
// dependency, and must answer when every worker is busy.
void addSystemRoutes(http::Router& router, HostRuntime& runtime) {
  // Liveness checks only that this process can answer; never dependencies,
  // so a database outage does not get every host restarted.
  router.add("GET", "/livez", http::RouteGroup::Health, [](http::RequestContext& ctx) {
    if (ctx.hasQuery("verbose")) {
      ctx.sendText(200, "text/plain; charset=utf-8", "[+] process ok\nlivez check passed\n");
    } else {
      ctx.sendJson(200, {{"status", "alive"}});
    }
  }, http::Execution::Inline);

  router.add("GET", "/readyz", http::RouteGroup::Health, [&runtime](http::RequestContext& ctx) {
    std::vector<std::string> reasons;
    const bool ready = runtime.ready(reasons);
    const int status = ready ? 200 : 503;
    if (!ready) ctx.response().set("Retry-After", "5");
    if (ctx.hasQuery("verbose")) {
      std::string text;
      for (const auto& reason : reasons) text += "[-] " + reason + "\n";
      text += ready ? "[+] ready\nreadyz check passed\n" : "readyz check failed\n";
      ctx.sendText(status, "text/plain; charset=utf-8", text);
    } else {
      ctx.sendJson(status, {{"status", ready ? "ready" : "not_ready"}, {"reasons", reasons}});
    }
  }, http::Execution::Inline);

  router.add("GET", "/health", http::RouteGroup::Health, [&runtime](http::RequestContext& ctx) {
    nlohmann::json health = runtime.healthJson();
    // Load balancers read the status code: only a host that is down is 503.
    ctx.sendJson(health["status"] == "down" ? 503 : 200, health);
  }, http::Execution::Inline);

  router.add("GET", "/health/history", http::RouteGroup::Health, [&runtime](http::RequestContext& ctx) {
    ctx.sendJson(200, runtime.loadHistoryJson());
  }, http::Execution::Inline);

  // Owned by the route: it lives as long as the router that serves it.
  auto process = std::make_shared<ProcessMetrics>(runtime.services().metrics());
  router.add("GET", "/metrics", http::RouteGroup::Metrics, [&runtime, process](http::RequestContext& ctx) {
    process->refresh();
    ctx.sendText(200, "text/plain; version=0.0.4; charset=utf-8", runtime.metricsText());
  }, http::Execution::Inline);
}

}  // namespace wno::host
