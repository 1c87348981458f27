// A template wno plugin: one health probe and one job handler. Copy this
// folder, rename, and replace the classes with your own.
#include <wno/sdk/config.hpp>  // needs the nlohmann/json headers (Debian: nlohmann-json3-dev)
#include <wno/sdk/sdk.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <string>

namespace {

// Reports "up" and how many times it was checked. Config: {"greeting": "..."}.
class HelloProbe : public wno::sdk::HealthProbe {
 public:
  HelloProbe(wno::sdk::Host host, std::string_view configJson) : host_(host) {
    // Unknown keys and wrong types are refused with a message naming the
    // key (wno::sdk::invalid); the host shows it next to this config.
    const wno::sdk::ComponentConfig config(configJson, {"greeting"});
    greeting_ = config.string("greeting", "hello");
    if (greeting_.empty()) throw wno::sdk::invalid("greeting: must not be empty");
    checks_ = host_.counter("hello_checks_total", "Checks run by the hello probe");
  }

  wno::sdk::ProbeReport check(std::chrono::milliseconds) override {
    checks_.add(1);
    wno::sdk::ProbeReport report;
    report.status = WNO_HEALTH_UP;
    report.message = greeting_;
    report.detailsJson = "{\"checks\":" + std::to_string(++count_) + "}";
    return report;
  }

 private:
  wno::sdk::Host host_;
  std::string greeting_;
  wno::sdk::Metric checks_;
  std::atomic<long> count_{0};
};

// Echoes the job's data back as its result; {"fail": true} fails it for good.
class EchoHandler : public wno::sdk::JobHandler {
 public:
  EchoHandler(wno::sdk::Host host, std::string_view) : host_(host) {}

  std::string handle(const wno::sdk::Job& job) override {
    // Read job data as JSON, never by searching its text: "fail" may well
    // be part of some other value.
    const nlohmann::json data = nlohmann::json::parse(job.dataJson, nullptr, /*allow_exceptions=*/false);
    if (data.is_discarded()) throw wno::sdk::invalid("job data is not valid JSON");
    if (const auto fail = data.find("fail"); fail != data.end() && *fail == true) {
      throw wno::sdk::invalid("asked to fail");
    }
    host_.info("echoing job " + std::string(job.id));
    return std::string(job.dataJson);
  }

 private:
  wno::sdk::Host host_;
};

}  // namespace

WNO_PLUGIN("hello", "1.0.0", "Template plugin: a probe and a job handler",
           WNO_HEALTH_PROBE("hello", HelloProbe, "Always up; counts its checks"),
           WNO_JOB_HANDLER("echo", EchoHandler, "Answers a job with its own data"));
