#include "jobs/queue_monitor.h"

#include "core/logger.h"
#include "core/utc_time.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/URI.h>

#include <sstream>

namespace wno::host::jobs {

using nlohmann::json;

QueueMonitor::QueueMonitor(const JobsConfig& config, JobMetrics& metrics, std::string workerId)
    : config_(config), metrics_(metrics), workerId_(std::move(workerId)) {}

QueueMonitor::QueueRates& QueueMonitor::rates(const std::string& queue) {
  std::lock_guard lock(mutex_);
  auto& slot = rates_[queue];
  if (!slot) slot = std::make_unique<QueueRates>();
  return *slot;
}

void QueueMonitor::recordFinished(const std::string& queue, bool failed) {
  auto& r = rates(queue);
  (failed ? r.failed : r.completed).add(RateWindow::Clock::now());
}

json QueueMonitor::ratesJson(const std::string& queue) {
  auto& r = rates(queue);
  const auto now = RateWindow::Clock::now();
  const uint64_t completed = r.completed.count(now, 60);
  const uint64_t failed = r.failed.count(now, 60);
  const uint64_t total = completed + failed;
  json alerts = json::array();
  if (r.failureAlert) alerts.push_back("failure_rate");
  if (r.backlogAlert) alerts.push_back("backlog");
  return {{"completed_per_min", completed},
          {"failed_per_min", failed},
          {"failure_rate", total ? static_cast<double>(failed) / static_cast<double>(total) : 0.0},
          {"alerts", alerts}};
}

void QueueMonitor::refresh(const json& stats) {
  static const char* states[] = {"waiting", "delayed", "active", "completed", "failed", "cancelled"};
  const json& queues = stats.contains("queues") && stats["queues"].is_object() ? stats["queues"] : json::object();
  for (const auto& [name, q] : config_.queues) {
    const json counts = queues.contains(name) ? queues[name] : json::object();
    for (const char* state : states) metrics_.setCount(name, state, counts.value(state, 0.0));

    auto& r = rates(name);
    const auto now = RateWindow::Clock::now();
    // W whole seconds plus the current, partial one: a one-second window
    // still sees what happened just before this refresh.
    const size_t window = static_cast<size_t>(std::max<int64_t>(1, q.alerts.windowMs / 1000)) + 1;
    const uint64_t failed = r.failed.count(now, window);
    const uint64_t total = failed + r.completed.count(now, window);
    if (q.alerts.failureRateAbove <= 1) {
      const double rate = total ? static_cast<double>(failed) / static_cast<double>(total) : 0.0;
      const bool firing = static_cast<int64_t>(total) >= q.alerts.minFinished && rate > q.alerts.failureRateAbove;
      if (firing != r.failureAlert) {
        r.failureAlert = firing;
        transition(name, "failure_rate", firing, rate, q.alerts.failureRateAbove);
      }
    }
    if (q.alerts.backlogAbove >= 0) {
      const double backlog = counts.value("waiting", 0.0);
      const bool firing = backlog > static_cast<double>(q.alerts.backlogAbove);
      if (firing != r.backlogAlert) {
        r.backlogAlert = firing;
        transition(name, "backlog", firing, backlog, static_cast<double>(q.alerts.backlogAbove));
      }
    }
  }
}

void QueueMonitor::transition(const std::string& queue, const char* alert, bool firing, double value,
                              double threshold) {
  metrics_.alert(queue, alert, firing);
  const json fields = {{"queue", queue}, {"alert", alert}, {"value", value}, {"threshold", threshold}};
  if (firing) logWarn("jobs", "queue alert firing", fields);
  else logInfo("jobs", "queue alert resolved", fields);
  const auto& url = config_.queues.at(queue).alerts.webhookUrl;
  if (url.empty()) return;
  json body = fields;
  body["state"] = firing ? "firing" : "resolved";
  body["worker"] = workerId_;
  body["at"] = utcNow(3);
  postWebhook(url, body, 2000);
}

bool postWebhook(const std::string& url, const json& body, int64_t timeoutMs) {
  try {
    Poco::URI uri(url);
    Poco::Net::HTTPClientSession session(uri.getHost(), uri.getPort());
    session.setTimeout(Poco::Timespan(timeoutMs * 1000));
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, uri.getPathEtc(),
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    const std::string text = body.dump();
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(text.size()));
    session.sendRequest(request) << text;
    Poco::Net::HTTPResponse response;
    session.receiveResponse(response);
    if (response.getStatus() >= 300) {
      logWarn("jobs", "alert webhook refused", {{"url", uri.getHost()}, {"status", static_cast<int>(response.getStatus())}});
      return false;
    }
    return true;
  } catch (const std::exception& e) {
    logWarn("jobs", "alert webhook failed", {{"error", e.what()}});
    return false;
  }
}

}  // namespace wno::host::jobs
