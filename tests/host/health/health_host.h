// An in-process host for health and protection tests: HostRuntime brought
// up in stages on a free port, over the build's real plugins, torn down at
// the end. The test process is the host process, so a test can load it
// (burn CPU) and watch /health from outside over HTTP.
#pragma once

#include "app/host_runtime.h"
#include "eventually.h"
#include "process_runner.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <stdexcept>

namespace wno::test {

class HealthHost {
 public:
  explicit HealthHost(nlohmann::json config) {
    config["http"] = {{"port", 0}, {"access_log", false}};
    config["plugins"]["directories"] = {WNO_TEST_PLUGIN_DIR};
    runtime_ = std::make_unique<host::HostRuntime>(config, WNO_TEST_BINARY_DIR);
    if (host::Status s = runtime_->loadPlugins(); !s.isOk()) throw std::runtime_error(s.message());
    if (host::Status s = runtime_->createComponents(); !s.isOk()) throw std::runtime_error(s.message());
    if (host::Status s = runtime_->startHttp(); !s.isOk()) throw std::runtime_error(s.message());
  }
  ~HealthHost() { runtime_->shutdown(); }

  int port() const { return runtime_->port(); }
  HttpResponse get(const std::string& path) { return httpRequest(port(), "GET", path); }
  nlohmann::json health() { return nlohmann::json::parse(get("/health").body); }
  std::string metrics() { return get("/metrics").body; }
  // The breaker named `name` as /health lists it, or null.
  nlohmann::json breaker(const std::string& name) {
    const nlohmann::json h = health();  // a local: iterating a temporary's member would dangle
    for (const auto& b : h["breakers"]) {
      if (b["name"] == name) return b;
    }
    return nullptr;
  }
  nlohmann::json probe(const std::string& name) {
    const nlohmann::json h = health();
    for (const auto& p : h["probes"]) {
      if (p["name"] == name) return p;
    }
    return nullptr;
  }
  host::HostRuntime& runtime() { return *runtime_; }

 private:
  std::unique_ptr<host::HostRuntime> runtime_;
};

}  // namespace wno::test
