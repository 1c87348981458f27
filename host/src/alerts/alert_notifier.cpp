#include "alerts/alert_notifier.h"

#include "config/options_reader.h"
#include "core/logger.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/URI.h>

namespace wno::host::alerts {

std::vector<WebhookConfig> webhooksFrom(const nlohmann::json& webhooksIn, std::vector<std::string>& errors) {
  std::vector<WebhookConfig> out;
  if (!webhooksIn.is_array()) return out;
  const config::FilledSection filled(webhooksIn, "/alerts/webhooks");
  const config::OptionsNode webhooks = filled.node();
  for (size_t i = 0; i < webhooks.size(); ++i) {
    try {
      const config::OptionsNode w = webhooks.item(i);
      WebhookConfig c;
      // Named by position when unnamed: a default no schema can state.
      c.name = w.find<std::string>("name").value_or("webhook" + std::to_string(i + 1));
      c.url = w.get<std::string>("url");
      try {
        Poco::URI uri(c.url);
        if ((uri.getScheme() != "http" && uri.getScheme() != "https") || uri.getHost().empty()) {
          errors.push_back(w.pointer() + "/url: expected an http:// or https:// URL");
          continue;
        }
      } catch (const std::exception& e) {
        errors.push_back(w.pointer() + "/url: not a URL: " + e.what());
        continue;
      }
      c.timeoutMs = w.get<int64_t>("timeout_ms");
      c.retries = w.get<int>("retries");
      c.backoffMs = w.get<int64_t>("backoff_ms");
      c.breaker = breakerOptionsFrom(w.child("breaker").json());
      out.push_back(std::move(c));
    } catch (const config::OptionError& e) {
      errors.push_back(e.what());
    }
  }
  return out;
}

AlertNotifier::AlertNotifier(std::vector<WebhookConfig> webhooks, size_t maxQueued) : maxQueued_(maxQueued) {
  for (auto& w : webhooks) {
    if (w.url.rfind("https:", 0) == 0) tls_ = true;
    auto breaker = std::make_unique<CircuitBreaker>("alert webhook " + w.name, w.breaker);
    targets_.push_back({std::move(w), std::move(breaker)});
  }
  if (targets_.empty()) return;
  if (tls_) Poco::Net::initializeSSL();
  thread_ = std::thread([this] { run(); });
}

AlertNotifier::~AlertNotifier() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
    if (!queue_.empty()) logWarn("alerts", "alert events not delivered at shutdown", {{"events", queue_.size()}});
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (tls_) Poco::Net::uninitializeSSL();
}

void AlertNotifier::send(nlohmann::json event) {
  if (targets_.empty()) return;
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= maxQueued_) {
      queue_.pop_front();
      logWarn("alerts", "alert webhook queue full; dropped the oldest event", {{"max_queued", maxQueued_}});
    }
    queue_.push_back(event.dump());
  }
  wake_.notify_all();
}

bool AlertNotifier::idle() const {
  std::lock_guard lock(mutex_);
  return queue_.empty() && !busy_;
}

bool AlertNotifier::pause(int64_t ms) {
  std::unique_lock lock(mutex_);
  return !wake_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stop_; });
}

void AlertNotifier::run() {
  for (;;) {
    std::string body;
    {
      std::unique_lock lock(mutex_);
      busy_ = false;
      wake_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      body = std::move(queue_.front());
      queue_.pop_front();
      busy_ = true;
    }
    for (auto& target : targets_) deliver(target, body);
  }
}

void AlertNotifier::deliver(Target& target, const std::string& body) {
  const WebhookConfig& w = target.config;
  for (int attempt = 0; attempt <= w.retries; ++attempt) {
    const BreakerPermit permit = target.breaker->allow();
    if (!permit) {
      ++failed_;
      logWarn("alerts", "alert webhook breaker open; event not sent", {{"webhook", w.name}});
      return;
    }
    ++attempts_;
    if (post(w, body)) {
      target.breaker->onSuccess(permit);
      ++delivered_;
      return;
    }
    target.breaker->onFailure(permit);
    if (attempt == w.retries) break;
    // 1x, 2x, 4x ... backoff_ms, capped at a minute.
    const int64_t delay = std::min<int64_t>(60000, w.backoffMs << std::min(attempt, 16));
    if (!pause(delay)) return;
  }
  ++failed_;
  logWarn("alerts", "alert webhook failed after retries", {{"webhook", w.name}, {"attempts", w.retries + 1}});
}

bool AlertNotifier::post(const WebhookConfig& w, const std::string& body) {
  try {
    Poco::URI uri(w.url);
    std::unique_ptr<Poco::Net::HTTPClientSession> session;
    if (uri.getScheme() == "https") {
      Poco::Net::Context::Ptr context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", "",
                                                               Poco::Net::Context::VERIFY_RELAXED, 9, true);
      session = std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort(), context);
    } else {
      session = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
    }
    session->setTimeout(Poco::Timespan(w.timeoutMs * 1000));
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, uri.getPathEtc().empty() ? "/" : uri.getPathEtc(),
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
    session->sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    session->receiveResponse(response).ignore(1 << 16);
    if (response.getStatus() >= 200 && response.getStatus() < 300) return true;
    logWarn("alerts", "alert webhook refused the event",
            {{"webhook", w.name}, {"status", static_cast<int>(response.getStatus())}});
  } catch (const std::exception& e) {
    logWarn("alerts", "alert webhook unreachable", {{"webhook", w.name}, {"error", e.what()}});
  }
  return false;
}

}  // namespace wno::host::alerts
