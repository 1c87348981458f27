// One HTTP(S) GET (or HEAD) against a configured URL, bounded by a deadline,
// graded up / degraded (slower than a threshold) / down (error, timeout,
// unexpected status or body). Separate from the plugin glue so tests can
// run it directly.
// THREADS: an HttpCheck may be used by one thread at a time.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace wno::http_probe {

struct HttpCheckConfig {
  std::string url;                      // http:// or https://, userinfo becomes Basic auth
  std::string method = "GET";           // GET or HEAD
  std::set<int> expectStatus;           // empty: any 2xx
  int64_t degradedAboveMs = 1000;
  std::string expectBody;               // substring the body must contain; empty: none
  std::map<std::string, std::string> headers;
  bool tlsVerify = true;                // check the server's certificate and name
  size_t maxBodyBytes = 64 * 1024;      // read at most this much of the body
};

// The keys the probe's config takes.
inline std::vector<std::string> httpCheckKeys() {
  return {"url", "method", "expect_status", "degraded_above_ms", "expect_body", "headers", "tls_verify", "max_body_bytes"};
}

// Parses the probe's config, whose keys the caller has checked against
// httpCheckKeys(); throws std::invalid_argument naming the key.
HttpCheckConfig httpCheckConfigFrom(const nlohmann::json& config);

struct HttpCheckResult {
  int health = 2;  // WNO_HEALTH_*: 0 up, 1 degraded, 2 down
  std::string message;
  nlohmann::json details = nlohmann::json::object();
};

class HttpCheck {
 public:
  explicit HttpCheck(HttpCheckConfig config);
  ~HttpCheck();
  HttpCheck(const HttpCheck&) = delete;
  HttpCheck& operator=(const HttpCheck&) = delete;

  HttpCheckResult run(std::chrono::milliseconds timeout);

 private:
  HttpCheckConfig config_;
  std::string scheme_, host_, pathAndQuery_, shownUrl_, user_, password_;
  uint16_t port_ = 0;
  bool tls_ = false;
};

}  // namespace wno::http_probe
