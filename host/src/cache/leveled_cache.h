// The host cache service over the configured backend levels (L1 first).
// Reads go level by level and fill the faster levels on a lower-level hit;
// writes and invalidations go to every level. get-or-compute is
// single-flight per key: concurrent misses share one compute and its result.
#pragma once

#include "plugins/component_instance.h"
#include "services/host_services.h"

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace wno::host {

struct CacheLevel {
  std::string name;  // "l1", "l2"
  std::unique_ptr<CacheBackendInstance> backend;
};

class LeveledCache : public CacheApi {
 public:
  LeveledCache(std::vector<CacheLevel> levels, int64_t defaultTtlMs);

  Result<std::optional<std::string>> get(const std::string& key) override;
  Status set(const std::string& key, std::string value, const CacheWrite& options) override;
  Status remove(const std::string& key) override;
  Result<uint64_t> invalidateTag(const std::string& tag) override;
  Result<std::string> getOrCompute(const std::string& key, const CacheWrite& options,
                                   const std::function<Result<std::string>()>& compute) override;

  // {"levels":[{"name","backend","stats":{...}}]}
  nlohmann::json stats() const;
  const std::vector<CacheLevel>& levels() const { return levels_; }

 private:
  struct Flight {
    bool done = false;
    Result<std::string> result{Status(WNO_ERR_INTERNAL, "compute did not finish")};
  };
  struct FoundEntry {
    std::string value;
    int64_t expiresAtMs = 0;
  };

  Result<std::optional<FoundEntry>> getFrom(CacheLevel& level, const std::string& key);

  std::vector<CacheLevel> levels_;
  int64_t defaultTtlMs_;
  std::mutex flightsMutex_;
  std::condition_variable flightDone_;
  std::map<std::string, std::shared_ptr<Flight>> flights_;
};

}  // namespace wno::host
