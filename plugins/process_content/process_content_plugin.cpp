// The `process_content` job handler: moderates one contents row.
// Data: {"content_id": <id>}. Config (all optional):
//   {"collection":"contents", "max_length":{"text":5000,"image":2048,"video":2048},
//    "default_max_length":10000, "min_length":1, "banned_words":[...], "banned_patterns":[...],
//    "url_kinds":["image","video"], "url_schemes":["https"], "collapse_spaces":true,
//    "max_blank_lines":1, "reason_field":null, "max_update_attempts":5}
// A pending row becomes "processed" (normalized body, processed_at) or
// "rejected" (processed_at, and the reason in reason_field when set); the
// result carries the outcome either way. Rows that are no longer pending
// are left alone, so re-runs are no-ops. The update checks the version
// read; a concurrent writer (412) makes it re-read and decide again.
#include "content_rules.h"
#include "job_support.h"

#include <wno/sdk/sdk.hpp>

#include <Poco/Exception.h>

#include <map>
#include <string>

namespace {

using wno::handlers::json;

class ProcessContent : public wno::sdk::JobHandler {
 public:
  // Checked by the host at enqueue (ABI 1.2); requireId also takes the id as digits.
  static constexpr std::string_view kDataSchema = R"({
    "type": "object",
    "required": ["content_id"],
    "properties": {
      "content_id": {"type": ["integer", "string"], "description": "id of the contents row to moderate"}
    }
  })";

  ProcessContent(wno::sdk::Host host, std::string_view configJson)
      : host_(host),
        config_(wno::handlers::parseConfig(
            configJson, {"collection", "max_length", "default_max_length", "min_length", "banned_words",
                         "banned_patterns", "url_kinds", "url_schemes", "collapse_spaces", "max_blank_lines",
                         "reason_field", "max_update_attempts"})),
        rules_(rulesFrom(config_)) {
    collection_ = config_.value("collection", "contents");
    if (collection_.empty()) throw wno::sdk::invalid("collection: expected a non-empty string");
    if (auto it = config_.find("reason_field"); it != config_.end() && !it->is_null()) {
      if (!it->is_string() || it->get<std::string>().empty()) {
        throw wno::sdk::invalid("reason_field: expected a field name or null");
      }
      reasonField_ = it->get<std::string>();
    }
    maxUpdateAttempts_ = static_cast<int>(wno::handlers::configInt(config_, "max_update_attempts", 5, 1, 100));
    for (const char* outcome : {"processed", "rejected", "unchanged"}) {
      outcomes_[outcome] = host_.counter("wno_content_moderation_total", "Contents rows moderated, by outcome",
                                         {{"outcome", outcome}});
    }
  }

  std::string handle(const wno::sdk::Job& job) override {
    const json data = wno::handlers::parseJobData(job.dataJson);
    const int64_t id = wno::handlers::requireId(data, "content_id");
    for (int attempt = 1; attempt <= maxUpdateAttempts_; ++attempt) {
      wno::handlers::stopIfAsked(host_, job);
      const auto text = host_.repoGet(collection_, id);
      if (!text) throw wno::sdk::invalid(collection_ + " " + std::to_string(id) + " does not exist");
      const json row = wno::handlers::parseRow(*text, collection_);
      const std::string status = row.value("status", "pending");
      if (status != "pending") {
        outcomes_.at("unchanged").add(1);
        return json{{"content_id", id}, {"status", status}, {"changed", false}}.dump();
      }
      const wno::content::Verdict verdict = judge(row);
      json patch = {{"status", verdict.accepted ? "processed" : "rejected"},
                    {"processed_at", wno::handlers::utcTimestamp(host_.nowMs())}};
      if (verdict.accepted && verdict.body != row.value("body", "")) patch["body"] = verdict.body;
      if (!verdict.accepted && !reasonField_.empty()) patch[reasonField_] = verdict.reason;
      // Unversioned collections have no version to check; -1 skips the check.
      const int64_t version = row.contains("version") && row["version"].is_number_integer()
                                  ? row["version"].get<int64_t>()
                                  : -1;
      wno::handlers::stopIfAsked(host_, job);
      try {
        host_.repoUpdate(collection_, id, version, patch.dump());
      } catch (const wno::sdk::Error& e) {
        if (e.status() == WNO_ERR_PRECONDITION) {
          host_.debug(collection_ + " " + std::to_string(id) + " changed while it was moderated; reading it again");
          continue;
        }
        if (e.status() == WNO_NOT_FOUND) {
          throw wno::sdk::invalid(collection_ + " " + std::to_string(id) + " was deleted while it was moderated");
        }
        throw;
      }
      outcomes_.at(verdict.accepted ? "processed" : "rejected").add(1);
      json result = {{"content_id", id}, {"status", patch["status"]}, {"changed", true}, {"length", verdict.length}};
      if (!verdict.accepted) result["reason"] = verdict.reason;
      return result.dump();
    }
    throw wno::sdk::Error(WNO_ERR_CONFLICT, collection_ + " " + std::to_string(id) + " kept changing: " +
                                                std::to_string(maxUpdateAttempts_) +
                                                " updates in a row found a newer version");
  }

 private:
  static wno::content::ContentRules rulesFrom(const json& config) {
    try {
      return wno::content::ContentRules(config);
    } catch (const std::invalid_argument& e) {
      throw wno::sdk::invalid(e.what());
    }
  }

  wno::content::Verdict judge(const json& row) const {
    const auto kind = row.find("kind");
    const auto body = row.find("body");
    if (body == row.end() || !body->is_string()) {
      wno::content::Verdict v;
      v.reason = "the row has no text body";
      return v;
    }
    const std::string k = kind != row.end() && kind->is_string() ? kind->get<std::string>() : "text";
    try {
      return rules_.evaluate(k, body->get<std::string>());
    } catch (const Poco::Exception& e) {
      // A banned pattern that PCRE could not finish (match limit): neither
      // verdict is known, and an operator has to fix the pattern.
      throw wno::sdk::Error(WNO_ERR_INTERNAL, "a banned pattern could not be evaluated: " + e.displayText());
    }
  }

  wno::sdk::Host host_;
  json config_;
  wno::content::ContentRules rules_;
  std::string collection_;
  std::string reasonField_;
  int maxUpdateAttempts_ = 5;
  // Filled in the constructor, then only read (at()), so workers share it safely.
  std::map<std::string, wno::sdk::Metric> outcomes_;
};

}  // namespace

WNO_PLUGIN("process_content", "1.0.0", "Moderates and normalizes contents rows",
           WNO_JOB_HANDLER("process_content", ProcessContent, "Checks new content and marks it processed or rejected"));
