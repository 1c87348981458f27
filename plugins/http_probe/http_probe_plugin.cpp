// The `http` health probe: GET (or HEAD) a URL on every check.
//   {"url":"https://api.example.com/livez","expect_status":[200],"degraded_above_ms":1000,
//    "expect_body":"alive","headers":{"X-Probe":"wno"},"tls_verify":true,"method":"GET"}
// Up: expected status (any 2xx by default) within degraded_above_ms.
// Degraded: slower than that. Down: connection error, timeout (the probe's
// timeout_ms bounds connect, send and receive), unexpected status or body.
// Pair it with a breaker in /health/probes/<i>/breaker so a dead endpoint
// is not hammered every interval.
#include "http_check.h"

#include <wno/sdk/config.hpp>
#include <wno/sdk/sdk.hpp>

namespace {

using wno::http_probe::HttpCheck;

class HttpProbe : public wno::sdk::HealthProbe {
 public:
  HttpProbe(wno::sdk::Host, std::string_view configJson) : check_(make(parse(configJson))) {}

  wno::sdk::ProbeReport check(std::chrono::milliseconds timeout) override {
    auto r = check_.run(timeout);
    wno::sdk::ProbeReport report;
    report.status = static_cast<wno_health>(r.health);
    report.message = std::move(r.message);
    report.detailsJson = r.details.dump();
    return report;
  }

 private:
  static wno::http_probe::HttpCheckConfig parse(std::string_view text) {
    const wno::sdk::ComponentConfig config(text, wno::http_probe::httpCheckKeys());
    try {
      return wno::http_probe::httpCheckConfigFrom(config.json());
    } catch (const std::invalid_argument& e) {
      throw wno::sdk::invalid(e.what());
    }
  }
  static HttpCheck make(wno::http_probe::HttpCheckConfig config) {
    try {
      return HttpCheck(std::move(config));
    } catch (const std::invalid_argument& e) {
      throw wno::sdk::invalid(e.what());
    }
  }

  HttpCheck check_;
};

}  // namespace

WNO_PLUGIN("http_probe", "0.1.0", "HTTP(S) health probe: status, latency, body", WNO_HEALTH_PROBE("http", HttpProbe, "Checks a URL: status, latency, body"));
