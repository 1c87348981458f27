// The `compute_user_stats` job handler: recomputes one user's statistics and
// refreshes the cache entry GET /api/v1/users/{id}/stats serves.
// Data: {"user_id": <id>}. Config (optional): {"ttl_ms": 0}
//   ttl_ms <= 0 uses the statistics region's TTL, as the route does.
//   "page_size" is still accepted (configs of older versions carry it) and
//   ignored with a warning: counts no longer page.
// Same key ("stats:user:<id>"), region ("statistics"), tags ("users:<id>",
// "users:<id>:stats", "user_stats") and JSON shape as the route: {"user_id","computed_at",
// "battles_created","battles_joined","contents","comments","token_holdings"};
// a count whose collection this host does not configure is left out, as the
// route leaves it out. Each count is one repo_count (ABI 1.2). The
// computation is timed into the host's repository histogram as
// {collection="users",op="user_stats"} (wno/timing.h).
#include "job_support.h"

#include <wno/sdk/sdk.hpp>

#include <string>
#include <tuple>

namespace {

using wno::handlers::json;

class ComputeUserStats : public wno::sdk::JobHandler {
 public:
  ComputeUserStats(wno::sdk::Host host, std::string_view configJson)
      : host_(host), config_(wno::handlers::parseConfig(configJson, {"ttl_ms", "page_size"})) {
    ttlMs_ = wno::handlers::configInt(config_, "ttl_ms", 0, 0, int64_t{365} * 24 * 3600 * 1000);
    if (config_.contains("page_size")) {
      wno::handlers::configInt(config_, "page_size", 1000, 1, 100000);  // still refused when malformed
      host_.warn("compute_user_stats: config key page_size is ignored (counts are one repo_count each); remove it");
    }
    refreshed_ = host_.counter("wno_user_stats_refreshed_total", "User statistics recomputed by jobs");
  }

  std::string handle(const wno::sdk::Job& job) override {
    const json data = wno::handlers::parseJobData(job.dataJson);
    const int64_t id = wno::handlers::requireId(data, "user_id");
    auto stop = [&] { wno::handlers::stopIfAsked(host_, job); };
    stop();
    if (!host_.repoGet("users", id)) throw wno::sdk::invalid("users " + std::to_string(id) + " does not exist");
    json stats = {{"user_id", id}, {"computed_at", wno::handlers::utcTimestamp(host_.nowMs())}};
    // The whole computation, timed as op "user_stats" beside the host's
    // own repository timings (each count is one of those too).
    wno::sdk::Timing timing = host_.startTiming("user_stats", "users");
    for (auto [collection, field, key] : {std::tuple{"battles", "creator_id", "battles_created"},
                                          std::tuple{"battles", "opponent_id", "battles_joined"},
                                          std::tuple{"contents", "user_id", "contents"},
                                          std::tuple{"comments", "user_id", "comments"},
                                          std::tuple{"token_holdings", "user_id", "token_holdings"}}) {
      const json query = {{"filters", json::array({{{"field", field}, {"op", "eq"}, {"value", id}}})}};
      stop();
      try {
        stats[key] = host_.repoCount(collection, query.dump());
      } catch (const wno::sdk::Error& e) {
        // INVALID from the repository service: this host has no such
        // collection (or field); the route omits the count then too.
        if (e.status() != WNO_ERR_INVALID) throw;
        host_.debug(std::string("user stats: ") + collection + " is not counted here (" + e.what() + ")");
      }
    }
    const std::string value = stats.dump();
    stop();
    wno::sdk::CacheWriteOptions options;
    options.ttlMs = ttlMs_;
    // The tags the host's stats route puts on the same key; users:<id>:stats
    // is what writes of counted rows drop (cache.invalidates in the config).
    options.tags = {"users:" + std::to_string(id), "users:" + std::to_string(id) + ":stats", "user_stats"};
    options.region = "statistics";
    host_.cacheSet("stats:user:" + std::to_string(id), value, options);
    refreshed_.add(1);
    return value;
  }

 private:
  wno::sdk::Host host_;
  json config_;
  int64_t ttlMs_ = 0;
  wno::sdk::Metric refreshed_;
};

}  // namespace

WNO_PLUGIN("compute_user_stats", "1.0.0", "Recomputes user statistics into the cache",
           WNO_JOB_HANDLER("compute_user_stats", ComputeUserStats));
