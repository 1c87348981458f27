// wno_http_requests_total, wno_http_request_duration_seconds and
// wno_http_requests_in_flight. Looking a labelled series up in a
// prometheus-cpp family builds a label map and takes the family's lock;
// on every request that was a measurable share of a cached read. Each
// thread keeps the series it has used, so the lookup happens once per
// (route, method, status) per thread.
#pragma once

#include "metrics/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include <string>
#include <string_view>

namespace wno::host::http {

class RequestMetrics {
 public:
  explicit RequestMetrics(Metrics& metrics);

  // `route` must outlive this object (route names live in the router).
  void record(std::string_view route, std::string_view method, int status, double seconds);
  prometheus::Gauge& inFlight() { return inFlight_; }

  // Methods outside the standard set are labelled "OTHER", so a client
  // cannot mint new series.
  static std::string_view methodLabel(std::string_view method);

 private:
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& duration_;
  prometheus::Gauge& inFlight_;
};

}  // namespace wno::host::http
