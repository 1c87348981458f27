#include "app/systemd_notifier.h"

#include "core/logger.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Timespan.h>
#include <systemd/sd-daemon.h>

#include <algorithm>
#include <cstdlib>

namespace wno::host {

SystemdNotifier::SystemdNotifier(std::function<bool()> ready, std::string livezHost, uint16_t livezPort)
    : ready_(std::move(ready)),
      host_(livezHost == "0.0.0.0" || livezHost == "::" || livezHost.empty() ? "127.0.0.1" : std::move(livezHost)),
      port_(livezPort) {
  if (!std::getenv("NOTIFY_SOCKET")) return;  // not started by systemd (or not Type=notify)
  thread_ = std::thread([this] { run(); });
}

SystemdNotifier::~SystemdNotifier() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SystemdNotifier::stopping() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
  sd_notify(0, "STOPPING=1\nSTATUS=draining");
}

bool SystemdNotifier::sleepFor(int64_t ms) {
  std::unique_lock<std::mutex> lock(mutex_);
  return !wake_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stop_; });
}

bool SystemdNotifier::livez(int timeoutMs) const {
  try {
    Poco::Net::HTTPClientSession session(host_, port_);
    session.setTimeout(Poco::Timespan(0, timeoutMs * 1000));
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, "/livez", Poco::Net::HTTPMessage::HTTP_1_1);
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    session.receiveResponse(response).ignore(1 << 16);
    return response.getStatus() == Poco::Net::HTTPResponse::HTTP_OK;
  } catch (const std::exception&) {
    return false;
  }
}

void SystemdNotifier::run() {
  // Readiness: the same check as GET /readyz, so systemd's "started" means
  // what the load balancer's health check means.
  while (!ready_()) {
    if (!sleepFor(100)) return;
  }
  sd_notify(0, "READY=1\nSTATUS=ready");
  logInfo("host", "told systemd the host is ready");

  uint64_t watchdogUs = 0;
  if (sd_watchdog_enabled(0, &watchdogUs) <= 0 || watchdogUs == 0) return;
  // Half the interval, as sd_watchdog_enabled(3) advises; the /livez check
  // gets a quarter, so a slow answer still leaves time to ping.
  const int64_t periodMs = std::max<int64_t>(1, static_cast<int64_t>(watchdogUs / 2000));
  const int timeoutMs = static_cast<int>(std::max<int64_t>(50, periodMs / 2));
  do {
    if (livez(timeoutMs)) {
      sd_notify(0, "WATCHDOG=1");
    } else {
      logWarn("host", "GET /livez failed; not pinging the systemd watchdog");
    }
  } while (sleepFor(periodMs));
}

}  // namespace wno::host
