// The `send_notification` job handler: writes one notifications row and, when
// configured, POSTs it to a webhook (webhook.h).
// Data: {"user_id": <id>, "type": "<text>", "data": {...} (optional)}.
// Config (all optional): {"collection":"notifications", "verify_user":true,
//   "dedupe_window_ms":604800000, "webhook_url":"", "timeout_ms":5000,
//   "breaker":{"failure_threshold":5,"open_ms":30000}, "webhook_secret":"",
//   "webhook_headers":{}}
//
// Exactly one row per job id, even when a job runs again (a lease lapsed,
// the webhook failed after the row was written, two hosts raced): the row's
// data carries the job id under "_job_id". A run first looks for a row of
// this user and type with that job id, newest first, back to
// dedupe_window_ms ago; only if there is none does it create one, and then
// it looks again: if a concurrent run created one too, the lowest id wins
// and the others are deleted. The repository is the one place every
// host shares durably; a cache marker could be evicted or, with only an L1,
// be invisible to the other hosts, and the row would be written twice.
#include "job_support.h"
#include "webhook.h"

#include <wno/sdk/sdk.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace {

using wno::handlers::json;

constexpr const char* kJobIdKey = "_job_id";

class SendNotification : public wno::sdk::JobHandler {
 public:
  SendNotification(wno::sdk::Host host, std::string_view configJson)
      : host_(host),
        config_(wno::handlers::parseConfig(configJson, {"collection", "verify_user", "dedupe_window_ms", "webhook_url",
                                                        "timeout_ms", "breaker", "webhook_secret",
                                                        "webhook_headers"})) {
    collection_ = config_.value("collection", "notifications");
    if (collection_.empty()) throw wno::sdk::invalid("collection: expected a non-empty string");
    if (auto it = config_.find("verify_user"); it != config_.end()) {
      if (!it->is_boolean()) throw wno::sdk::invalid("verify_user: expected a boolean");
      verifyUser_ = it->get<bool>();
    }
    dedupeWindowMs_ =
        wno::handlers::configInt(config_, "dedupe_window_ms", int64_t{7} * 24 * 3600 * 1000, 1000,
                                 int64_t{3650} * 24 * 3600 * 1000);
    const auto url = config_.find("webhook_url");
    if (url != config_.end() && !url->is_null() && !(url->is_string() && url->get<std::string>().empty())) {
      if (!url->is_string()) throw wno::sdk::invalid("webhook_url: expected an http:// or https:// URL");
      webhook_ = std::make_unique<wno::notify::Webhook>(host_, config_);
    } else {
      for (const char* key : {"timeout_ms", "breaker", "webhook_secret", "webhook_headers"}) {
        if (config_.contains(key)) {
          throw wno::sdk::invalid(std::string(key) + " is set but webhook_url is not: set webhook_url or drop " + key);
        }
      }
    }
    created_ = host_.counter("wno_notifications_created_total", "Notification rows written by jobs");
    reused_ = host_.counter("wno_notifications_reused_total",
                            "Notification jobs that found the row an earlier run of the same job wrote");
  }

  std::string handle(const wno::sdk::Job& job) override {
    const json data = wno::handlers::parseJobData(job.dataJson);
    const int64_t userId = wno::handlers::requireId(data, "user_id");
    const std::string type = wno::handlers::optionalString(data, "type", 200);
    if (type.empty()) throw wno::sdk::invalid("job data needs \"type\" (a non-empty string)");
    json payload = json::object();
    if (auto it = data.find("data"); it != data.end() && !it->is_null()) {
      if (!it->is_object()) {
        throw wno::sdk::invalid(std::string("job data \"data\" must be an object, got ") + it->type_name());
      }
      if (it->contains(kJobIdKey)) {
        throw wno::sdk::invalid(std::string("job data \"data\" must not set \"") + kJobIdKey + "\" (reserved)");
      }
      payload = *it;
    }
    payload[kJobIdKey] = job.id;
    auto stop = [&] { wno::handlers::stopIfAsked(host_, job); };

    stop();
    if (verifyUser_ && !host_.repoGet("users", userId)) {
      throw wno::sdk::invalid("users " + std::to_string(userId) + " does not exist");
    }
    const std::string since = wno::handlers::utcTimestamp(host_.nowMs() - dedupeWindowMs_);
    bool created = false;
    std::optional<json> row = findOwn(job, userId, type, since, stop);
    if (row) {
      reused_.add(1);
    } else {
      stop();
      const json fresh = wno::handlers::parseRow(
          host_.repoCreate(collection_, json{{"user_id", userId}, {"type", type}, {"data", payload}}.dump()),
          collection_);
      row = settle(job, userId, type, since, fresh);
      created = row->value("id", int64_t{0}) == fresh.value("id", int64_t{0});
      if (created) created_.add(1);
    }

    std::string webhook = "none";
    if (webhook_) {
      stop();
      webhook_->deliver(*row, job);
      webhook = "delivered";
    }
    return json{{"notification_id", row->value("id", int64_t{0})}, {"created", created}, {"webhook", webhook}}.dump();
  }

 private:
  json scanFilters(int64_t userId, const std::string& type, const std::string& since) const {
    return json::array({{{"field", "user_id"}, {"op", "eq"}, {"value", userId}},
                        {{"field", "type"}, {"op", "eq"}, {"value", type}},
                        {{"field", "created_at"}, {"op", "gte"}, {"value", since}}});
  }

  static bool ownedBy(const json& row, std::string_view jobId) {
    auto d = row.find("data");
    if (d == row.end() || !d->is_object()) return false;
    auto j = d->find(kJobIdKey);
    return j != d->end() && j->is_string() && j->get_ref<const std::string&>() == jobId;
  }

  // Every row this job wrote, lowest id first.
  std::vector<json> ownRows(const wno::sdk::Job& job, int64_t userId, const std::string& type,
                            const std::string& since, const std::function<void()>& between) const {
    std::vector<json> found;
    wno::handlers::Scan scan;
    scan.collection = collection_;
    scan.filters = scanFilters(userId, type, since);
    scan.newestFirst = true;
    wno::handlers::forEachRow(host_, scan, [&](const json& r) {
      if (ownedBy(r, job.id)) found.insert(found.begin(), r);
      return true;
    }, between);
    return found;
  }

  std::optional<json> findOwn(const wno::sdk::Job& job, int64_t userId, const std::string& type,
                              const std::string& since, const std::function<void()>& between) const {
    std::vector<json> rows = ownRows(job, userId, type, since, between);
    if (rows.empty()) return std::nullopt;
    return keepFirst(job, rows);
  }

  // The lowest id wins; every other row of this job goes, whoever wrote it.
  json keepFirst(const wno::sdk::Job& job, const std::vector<json>& rows) const {
    const json winner = rows.front();
    for (size_t i = 1; i < rows.size(); ++i) {
      const int64_t loser = rows[i].value("id", int64_t{0});
      host_.repoDelete(collection_, loser);
      host_.info("notification job " + std::string(job.id) + " raced another run of itself; kept row " +
                 winner["id"].dump() + ", deleted row " + std::to_string(loser));
    }
    return winner;
  }

  // After creating `fresh`: if a concurrent run of this job created a row
  // too, keepFirst. Each racing run does this once its own row is visible,
  // so the last one to look removes all but one, even when ids were handed
  // out in another order than the rows became visible (PostgreSQL sequences).
  json settle(const wno::sdk::Job& job, int64_t userId, const std::string& type, const std::string& since,
              const json& fresh) const {
    std::vector<json> rows = ownRows(job, userId, type, since, {});
    if (rows.empty()) return fresh;  // not visible yet to this read; trust the create
    return keepFirst(job, rows);
  }

  wno::sdk::Host host_;
  json config_;
  std::string collection_;
  bool verifyUser_ = true;
  int64_t dedupeWindowMs_ = 0;
  std::unique_ptr<wno::notify::Webhook> webhook_;
  wno::sdk::Metric created_;
  wno::sdk::Metric reused_;
};

}  // namespace

WNO_PLUGIN("send_notification", "1.0.0", "Writes notifications and calls a webhook",
           WNO_JOB_HANDLER("send_notification", SendNotification, "Stores a notification and posts it to an optional webhook"));
