// The `memory` cache backend: MemoryStore behind the SDK's CacheBackend.
// Config: {"max_bytes": 67108864, "shards": 16, "regions": {"statistics": {"max_share": 0.25}}}.
#include "memory_store.h"

#include <wno/sdk/config.hpp>
#include <wno/sdk/sdk.hpp>

#include <nlohmann/json.hpp>

#include <time.h>

namespace {

using wno::memory_cache::MemoryStore;
using wno::memory_cache::StoreOptions;

StoreOptions optionsFrom(const wno::sdk::Host& host, std::string_view configJson) {
  const wno::sdk::ComponentConfig config(configJson, {"max_bytes", "shards", "regions"});
  StoreOptions o;
  o.maxBytes = static_cast<size_t>(config.integer("max_bytes", static_cast<int64_t>(o.maxBytes), 4096, INT64_MAX));
  o.shards = static_cast<size_t>(config.integer("shards", static_cast<int64_t>(o.shards), 1, 1024));
  if (config.has("regions")) {
    const auto& regions = config.json()["regions"];
    if (!regions.is_object()) throw wno::sdk::invalid("regions: expected {\"<region>\": {\"max_share\": 0..1}}");
    for (const auto& item : regions.items()) {
      const std::string& region = item.key();
      const auto limits = wno::sdk::ComponentConfig::sectionOf(regions, region, {"max_share"}, "regions.");
      const double share = limits.number("max_share", 0.0, 0.0, 1.0);
      if (share <= 0) throw wno::sdk::invalid("regions." + region + ".max_share: expected a number in (0, 1]");
      o.regionShares[region] = share;
    }
  }
  o.now = [host] { return host.nowMs(); };
  // The host's now_ms is the system clock, which the coarse one trails by
  // less than its resolution.
  o.nowUpperBound = [] {
    static const int64_t resolutionMs = [] {
      timespec res{};
      clock_getres(CLOCK_REALTIME_COARSE, &res);
      return static_cast<int64_t>(res.tv_sec) * 1000 + (res.tv_nsec + 999'999) / 1'000'000 + 1;
    }();
    timespec ts{};
    clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000 + resolutionMs;
  };
  return o;
}

class MemoryCache : public wno::sdk::CacheBackend {
 public:
  MemoryCache(wno::sdk::Host host, std::string_view configJson) : store_(optionsFrom(host, configJson)) {}

  bool get(std::string_view key, wno::sdk::CacheHit& hit) override {
    return store_.get(key, [&](std::string_view value, int64_t expiresAt) { hit.deliver(value, expiresAt); });
  }
  void set(std::string_view key, const wno::sdk::CacheEntryView& e) override {
    store_.set(key, e.value, e.expiresAtMs, e.tags, e.region);
  }
  bool remove(std::string_view key) override { return store_.remove(key); }
  uint64_t invalidateTag(std::string_view tag) override { return store_.invalidateTag(tag); }
  void clear(std::string_view region) override { store_.clear(region); }
  std::string statsJson() override {
    const auto s = store_.stats();
    nlohmann::json regions = nlohmann::json::object();
    for (const auto& [name, usage] : s.regions) {
      nlohmann::json r = {{"entries", usage.entries}, {"bytes", usage.bytes}, {"evictions", usage.evictions}};
      if (usage.maxBytes > 0) r["max_bytes"] = usage.maxBytes;
      regions[name.empty() ? "default" : name] = std::move(r);
    }
    return nlohmann::json{{"entries", s.entries},       {"bytes", s.bytes},
                          {"max_bytes", store_.maxBytes()}, {"hits", s.hits},
                          {"misses", s.misses},         {"evictions", s.evictions},
                          {"expirations", s.expirations}, {"rejections", s.rejections},
                          {"sets", s.sets},             {"deletes", s.deletes},
                          {"tag_invalidations", s.tagInvalidations}, {"regions", regions}}
        .dump();
  }

 private:
  MemoryStore store_;
};

}  // namespace

WNO_PLUGIN("memory_cache", "0.1.0", "Bounded in-process cache (W-TinyLFU, sharded)",
           WNO_CACHE("memory", MemoryCache, "Bounded in-process L1 cache"));
