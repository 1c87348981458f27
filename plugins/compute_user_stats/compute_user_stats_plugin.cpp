// The `compute_user_stats` job handler: recomputes one user's statistics and
// refreshes the cache entry GET /api/v1/users/{id}/stats serves.
// Data: {"user_id": <id>}. Config (optional): {"ttl_ms": 0}
//   ttl_ms <= 0 uses the statistics region's TTL, as the route does.
//   "page_size" is still accepted (configs of older versions carry it) and
//   ignored with a warning: counts no longer page.
// What it counts is not its own: the host config declares it once
// (/data/user_stats/counts) and the handler reads that list from the host
// at create (WNO_HOST_USER_STATS_COUNTS_V1, wno/user_stats.h), the list the
// stats route counts. A host without that function declares no statistics,
// so the handler refuses to be created there rather than guess.
// Same key ("stats:user:<id>"), region ("statistics"), tags ("users:<id>",
// "users:<id>:stats", "user_stats") and JSON shape as the route:
// {"user_id","computed_at", one member per declared count}. Each count is
// one repo_count (ABI 1.2). The computation is timed into the host's
// repository histogram as {collection="users",op="user_stats"} (wno/timing.h).
#include "job_support.h"

#include <wno/sdk/sdk.hpp>
#include <wno/sdk/sinks.hpp>
#include <wno/user_stats.h>

#include <string>
#include <vector>

namespace {

using wno::handlers::json;

// One declared relation: the answer's member, the collection and its
// user-id field.
struct Count {
  std::string name;
  std::string collection;
  std::string field;
};

std::vector<Count> declaredCounts(const wno::sdk::Host& host) {
  const auto read = host.lookup<wno_host_user_stats_counts_fn>(WNO_HOST_USER_STATS_COUNTS_V1);
  if (!read) {
    throw wno::sdk::Error(WNO_ERR_UNSUPPORTED,
                          "compute_user_stats: this host declares no user statistics (it lacks " +
                              std::string(WNO_HOST_USER_STATS_COUNTS_V1) + "; wno 1.2 or later has it)");
  }
  std::string text;
  const wno_sink sink = wno::sdk::sinkInto(text);
  if (wno_status s = read(host.ctx(), &sink); s != WNO_OK) {
    throw wno::sdk::Error(s, "compute_user_stats: the host's user statistics are unavailable");
  }
  std::vector<Count> counts;
  for (const json& c : json::parse(text)) {
    counts.push_back({c.at("name").get<std::string>(), c.at("collection").get<std::string>(),
                      c.at("field").get<std::string>()});
  }
  return counts;
}

class ComputeUserStats : public wno::sdk::JobHandler {
 public:
  ComputeUserStats(wno::sdk::Host host, std::string_view configJson)
      : host_(host), config_(wno::handlers::parseConfig(configJson, {"ttl_ms", "page_size"})) {
    ttlMs_ = wno::handlers::configInt(config_, "ttl_ms", 0, 0, int64_t{365} * 24 * 3600 * 1000);
    if (config_.contains("page_size")) {
      wno::handlers::configInt(config_, "page_size", 1000, 1, 100000);  // still refused when malformed
      host_.warn("compute_user_stats: config key page_size is ignored (counts are one repo_count each); remove it");
    }
    counts_ = declaredCounts(host_);
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
    for (const Count& count : counts_) {
      const json query = {{"filters", json::array({{{"field", count.field}, {"op", "eq"}, {"value", id}}})}};
      stop();
      stats[count.name] = host_.repoCount(count.collection, query.dump());
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
  std::vector<Count> counts_;  // read once: the host's list is fixed at start
  wno::sdk::Metric refreshed_;
};

}  // namespace

WNO_PLUGIN("compute_user_stats", "1.0.0", "Recomputes user statistics into the cache",
           WNO_JOB_HANDLER("compute_user_stats", ComputeUserStats, "Recounts a user's declared statistics into the cache"));
