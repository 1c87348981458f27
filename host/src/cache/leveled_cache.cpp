#include "cache/leveled_cache.h"

#include "core/logger.h"

#include <chrono>

namespace wno::host {
namespace {

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

wno_str view(const std::string& s) { return wno_str{s.data(), s.size()}; }

}  // namespace

LeveledCache::LeveledCache(std::vector<CacheLevel> levels, int64_t defaultTtlMs)
    : levels_(std::move(levels)), defaultTtlMs_(defaultTtlMs) {}

Result<std::optional<LeveledCache::FoundEntry>> LeveledCache::getFrom(CacheLevel& level, const std::string& key) {
  FoundEntry found;
  wno_cache_entry_sink sink{&found, [](void* ctx, const wno_cache_entry* entry) -> wno_status {
                              auto* out = static_cast<FoundEntry*>(ctx);
                              out->value.assign(reinterpret_cast<const char*>(entry->value.data), entry->value.len);
                              out->expiresAtMs = entry->expires_at_ms;
                              return WNO_OK;
                            }};
  Status status = level.backend->call("on_get", level.backend->vtable().on_get, view(key), &sink);
  if (status.code() == WNO_NOT_FOUND) return std::optional<FoundEntry>();
  if (!status.isOk()) return status;
  return std::optional<FoundEntry>(std::move(found));
}

Result<std::optional<std::string>> LeveledCache::get(const std::string& key) {
  for (size_t i = 0; i < levels_.size(); ++i) {
    auto found = getFrom(levels_[i], key);
    if (!found.isOk()) {
      // A failing level is skipped, not fatal: the caller still gets an answer
      // from the others (or a miss and a recompute).
      logWarn("cache", "cache level failed on get",
              {{"level", levels_[i].name}, {"error", found.status().message()}});
      continue;
    }
    if (!found.value()) continue;
    FoundEntry& entry = *found.value();
    for (size_t j = 0; j < i; ++j) {
      wno_cache_entry fill{};
      fill.struct_size = sizeof fill;
      fill.value = wno_bytes{reinterpret_cast<const uint8_t*>(entry.value.data()), entry.value.size()};
      fill.expires_at_ms = entry.expiresAtMs;
      levels_[j].backend->call("on_set", levels_[j].backend->vtable().on_set, view(key), &fill);
    }
    return std::optional<std::string>(std::move(entry.value));
  }
  return std::optional<std::string>();
}

Status LeveledCache::set(const std::string& key, std::string value, const CacheWrite& options) {
  const int64_t ttl = options.ttlMs > 0 ? options.ttlMs : defaultTtlMs_;
  std::vector<wno_str> tags;
  for (const auto& t : options.tags) tags.push_back(view(t));
  wno_cache_entry entry{};
  entry.struct_size = sizeof entry;
  entry.value = wno_bytes{reinterpret_cast<const uint8_t*>(value.data()), value.size()};
  entry.expires_at_ms = nowMs() + ttl;
  entry.tags = tags.data();
  entry.tag_count = tags.size();
  entry.region = view(options.region);
  Status first;
  for (auto& level : levels_) {
    Status status = level.backend->call("on_set", level.backend->vtable().on_set, view(key), &entry);
    if (!status.isOk() && first.isOk()) first = status;
  }
  return first;
}

Status LeveledCache::remove(const std::string& key) {
  bool removed = false;
  Status first;
  // Remove from the slowest level first so a concurrent read cannot refill
  // L1 from an L2 entry that is about to go.
  for (auto it = levels_.rbegin(); it != levels_.rend(); ++it) {
    Status status = it->backend->call("on_delete", it->backend->vtable().on_delete, view(key));
    if (status.isOk()) removed = true;
    else if (status.code() != WNO_NOT_FOUND && first.isOk()) first = status;
  }
  if (!first.isOk()) return first;
  return removed ? Status::ok() : Status(WNO_NOT_FOUND, "no such key");
}

Result<uint64_t> LeveledCache::invalidateTag(const std::string& tag) {
  uint64_t most = 0;
  for (auto it = levels_.rbegin(); it != levels_.rend(); ++it) {
    uint64_t removed = 0;
    Status status =
        it->backend->call("on_invalidate_tag", it->backend->vtable().on_invalidate_tag, view(tag), &removed);
    if (!status.isOk()) return status;
    // Levels hold overlapping copies: the largest count is the number of
    // distinct entries the caller invalidated.
    most = std::max(most, removed);
  }
  return most;
}

Result<std::string> LeveledCache::getOrCompute(const std::string& key, const CacheWrite& options,
                                               const std::function<Result<std::string>()>& compute) {
  auto cached = get(key);
  if (cached.isOk() && cached.value()) return std::move(*cached.value());

  std::shared_ptr<Flight> flight;
  {
    std::unique_lock lock(flightsMutex_);
    auto it = flights_.find(key);
    if (it == flights_.end()) {
      flight = std::make_shared<Flight>();
      flights_.emplace(key, flight);
    } else {
      flight = it->second;
      flightDone_.wait(lock, [&] { return flight->done; });
      return flight->result;
    }
  }

  Result<std::string> result = Status(WNO_ERR_INTERNAL, "compute threw");
  try {
    result = compute();
  } catch (const std::exception& e) {
    result = Status(WNO_ERR_INTERNAL, std::string("compute threw: ") + e.what());
  }
  if (result.isOk()) set(key, result.value(), options);
  {
    std::lock_guard lock(flightsMutex_);
    flight->result = result;
    flight->done = true;
    flights_.erase(key);
  }
  flightDone_.notify_all();
  return result;
}

nlohmann::json LeveledCache::stats() const {
  nlohmann::json levels = nlohmann::json::array();
  for (const auto& level : levels_) {
    std::string text;
    wno_sink sink{&text, [](void* ctx, const char* data, size_t len) -> wno_status {
                    static_cast<std::string*>(ctx)->assign(data, len);
                    return WNO_OK;
                  }};
    Status status = level.backend->call("on_stats", level.backend->vtable().on_stats, &sink);
    nlohmann::json stats = status.isOk() ? nlohmann::json::parse(text, nullptr, false)
                                         : nlohmann::json{{"error", status.message()}};
    if (stats.is_discarded()) stats = {{"error", "backend returned invalid JSON stats"}};
    levels.push_back({{"name", level.name}, {"backend", level.backend->type().name}, {"stats", stats}});
  }
  return {{"levels", levels}};
}

}  // namespace wno::host
