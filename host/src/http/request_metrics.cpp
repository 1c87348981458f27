#include "http/request_metrics.h"

#include <functional>
#include <unordered_map>

namespace wno::host::http {
namespace {

struct SeriesKey {
  const RequestMetrics* owner;
  std::string_view route;
  std::string_view method;
  int status;

  bool operator==(const SeriesKey& other) const {
    return owner == other.owner && status == other.status && route == other.route && method == other.method;
  }
};

struct SeriesKeyHash {
  size_t operator()(const SeriesKey& k) const {
    size_t h = std::hash<const void*>()(k.owner);
    h = h * 31 + std::hash<std::string_view>()(k.route);
    h = h * 31 + std::hash<std::string_view>()(k.method);
    return h * 31 + static_cast<size_t>(k.status);
  }
};

struct Series {
  prometheus::Counter* requests;
  prometheus::Histogram* duration;
};

}  // namespace

RequestMetrics::RequestMetrics(Metrics& metrics)
    : requests_(prometheus::BuildCounter()
                    .Name("wno_http_requests_total")
                    .Help("HTTP requests by route, method and status")
                    .Register(metrics.registry())),
      duration_(prometheus::BuildHistogram()
                    .Name("wno_http_request_duration_seconds")
                    .Help("HTTP request duration by route and method")
                    .Register(metrics.registry())),
      inFlight_(prometheus::BuildGauge()
                    .Name("wno_http_requests_in_flight")
                    .Help("HTTP requests being handled now")
                    .Register(metrics.registry())
                    .Add({})) {}

std::string_view RequestMetrics::methodLabel(std::string_view method) {
  static constexpr std::string_view kKnown[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  for (auto known : kKnown) {
    if (method == known) return known;
  }
  return "OTHER";
}

void RequestMetrics::record(std::string_view route, std::string_view method, int status, double seconds) {
  // The series of every server this thread served (one in production;
  // several only in tests that start hosts one after another on fresh
  // threads). Keys hold views of route names owned by the router and of
  // the static method labels.
  thread_local std::unordered_map<SeriesKey, Series, SeriesKeyHash> cache;
  const SeriesKey key{this, route, methodLabel(method), status};
  auto it = cache.find(key);
  if (it == cache.end()) {
    const std::string routeText(route);
    const std::string methodText(key.method);
    Series series{&requests_.Add({{"route", routeText}, {"method", methodText}, {"status", std::to_string(status)}}),
                  &duration_.Add({{"route", routeText}, {"method", methodText}}, Metrics::latencyBuckets())};
    it = cache.emplace(key, series).first;
  }
  it->second.requests->Increment();
  it->second.duration->Observe(seconds);
}

}  // namespace wno::host::http
