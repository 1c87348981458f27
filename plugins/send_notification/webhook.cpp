#include "webhook.h"

#include "job_support.h"

#include "common/hmac_sha256.h"

#include <wno/sdk/config.hpp>

namespace wno::notify {
namespace {

using nlohmann::json;

bool retryableStatus(int status) { return status == 408 || status == 429 || status >= 500; }

}  // namespace

Webhook::Webhook(const wno::sdk::Host& host, const json& config) : host_(host) {
  const std::string url = config.at("webhook_url").get<std::string>();
  try {
    poster_ = std::make_unique<wno::handlers::HttpPoster>(url);
  } catch (const std::invalid_argument& e) {
    throw wno::sdk::invalid(std::string("webhook_url: ") + e.what());
  }
  timeout_ = std::chrono::milliseconds(wno::handlers::configInt(config, "timeout_ms", 5000, 1, 600000));
  if (auto it = config.find("webhook_secret"); it != config.end() && !it->is_null()) {
    if (!it->is_string()) throw wno::sdk::invalid("webhook_secret: expected a string");
    secret_ = it->get<std::string>();
  }
  if (auto it = config.find("webhook_headers"); it != config.end() && !it->is_null()) {
    if (!it->is_object()) throw wno::sdk::invalid("webhook_headers: expected an object of header -> value");
    for (const auto& [name, value] : it->items()) {
      if (!value.is_string()) throw wno::sdk::invalid("webhook_headers." + name + ": expected a string");
      headers_.emplace_back(name, value.get<std::string>());
    }
  }
  // The webhook's circuit as its config documents it: consecutive failures
  // only (a failure rate above 1 turns the rate rule off), and one trial
  // call at a time once open_ms has passed.
  common::BreakerOptions options;
  options.failureRate = 2.0;
  options.halfOpenCalls = 1;
  const auto breaker = wno::sdk::ComponentConfig::sectionOf(config, "breaker", {"failure_threshold", "open_ms"});
  options.failureThreshold = static_cast<int>(breaker.integer("failure_threshold", 5, 1, 1000));
  options.openFor = std::chrono::milliseconds(breaker.integer("open_ms", 30000, 1, int64_t{24} * 3600 * 1000));
  const std::string target = poster_->target();
  stateGauge_ = host_.gauge("wno_notification_webhook_breaker_state",
                            "Notification webhook circuit: 0 closed, 1 open, 2 half-open", {{"target", target}});
  stateGauge_.set(0);
  for (const char* outcome : {"delivered", "failed", "refused", "short_circuited"}) {
    outcomes_[outcome] = host_.counter("wno_notification_webhook_total", "Notification webhook calls, by outcome",
                                       {{"outcome", outcome}, {"target", target}});
  }
  wno::sdk::Host logHost = host_;
  wno::sdk::Metric gauge = stateGauge_;
  breaker_ = std::make_unique<common::CircuitBreaker>(
      "notification webhook " + target, options,
      // The host's monotonic clock, as the plugin reads every interval.
      [logHost] { return common::CircuitBreaker::Clock::time_point(std::chrono::nanoseconds(logHost.monotonicNs())); });
  breaker_->addListener([logHost, gauge, target](common::BreakerState from, common::BreakerState to) {
    gauge.set(static_cast<double>(common::breakerStateValue(to)));
    logHost.warn("notification webhook " + target + ": circuit " + common::breakerStateName(from) + " -> " +
                 common::breakerStateName(to));
  });
}

void Webhook::record(const char* outcome) { outcomes_.at(outcome).add(1); }

void Webhook::deliver(const json& notification, const wno::sdk::Job& job) {
  const std::string_view jobId = job.id;
  const std::chrono::milliseconds budget = wno::handlers::callBudget(host_, job, timeout_);
  const common::BreakerPermit permit = breaker_->allow();
  if (!permit) {
    record("short_circuited");
    const int64_t wait = breaker_->retryIn().count();
    // Open (or half-open with its trial out) only after failureThreshold
    // failures in a row, or a failed trial.
    throw wno::sdk::unavailable("notification webhook " + poster_->target() + ": circuit breaker is " +
                                common::breakerStateName(breaker_->state()) + " after " +
                                std::to_string(breaker_->options().failureThreshold) + " consecutive failures" +
                                (wait > 0 ? "; a trial call is allowed in " + std::to_string(wait) + " ms" : "") +
                                "; the notification row exists, only the webhook is pending");
  }
  const json payload = {{"event", "notification.created"}, {"job_id", jobId}, {"notification", notification}};
  const std::string body = payload.dump();
  wno::handlers::HttpHeaders headers = headers_;
  headers.emplace_back("Idempotency-Key", std::string(jobId));
  headers.emplace_back("X-Wno-Event", "notification.created");
  if (notification.contains("id")) headers.emplace_back("X-Wno-Notification-Id", notification["id"].dump());
  if (!secret_.empty()) {
    const std::string timestamp = std::to_string(host_.nowMs() / 1000);
    headers.emplace_back("X-Wno-Timestamp", timestamp);
    headers.emplace_back("X-Wno-Signature", "sha256=" + common::hmacSha256Hex(secret_, timestamp + "." + body));
  }
  wno::handlers::HttpResponse response;
  try {
    response = poster_->post(body, budget, headers);
  } catch (const wno::handlers::HttpError& e) {
    breaker_->onFailure(permit);
    record("failed");
    throw wno::sdk::Error(e.status, std::string("notification webhook: ") + e.what());
  } catch (...) {
    breaker_->onAbandoned(permit);
    throw;
  }
  if (response.status >= 200 && response.status < 300) {
    breaker_->onSuccess(permit);
    record("delivered");
    return;
  }
  const std::string answered = "notification webhook " + poster_->target() + " answered HTTP " +
                               std::to_string(response.status) + " " + response.reason;
  if (retryableStatus(response.status)) {
    breaker_->onFailure(permit);
    record("failed");
    const std::string retryAfter = response.retryAfter.empty() ? "" : " (Retry-After: " + response.retryAfter + ")";
    throw wno::sdk::unavailable(answered + retryAfter);
  }
  breaker_->onSuccess(permit);
  record("refused");
  throw wno::sdk::invalid(answered + ": it refuses this notification; retrying will not help");
}

}  // namespace wno::notify
