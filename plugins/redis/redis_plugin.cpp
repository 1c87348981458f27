// The `redis` cache backend (L2) and the `redis` health probe.
// Cache config: {"url":"redis://[:password@]host:port/db","pool_size":8,"timeout_ms":100,
//   "bulk_timeout_ms":5000,"key_prefix":"wno:","backplane":true,"backplane_channel":"wno:cache:events"}
// Values live at <prefix>e:<key> (their expiry, then the bytes) with the
// absolute expiry the host gives;
// each tag is a sorted set <prefix>tz:<tag> of value keys scored by their
// expiry, so any host can invalidate by tag. Every write to a tag drops the
// members that have expired, which keeps a tag on every entry of a busy
// collection as large as its live entries, not every key ever cached; the
// set itself expires no earlier than its longest-lived member.
// Every get/set/delete waits at most timeout_ms, or less when the host set
// a deadline for the call (wno_host_call_deadline_v1): a slow Redis then
// costs the caller its budget, not a hang. Tag invalidation and clearing
// may touch many keys and get bulk_timeout_ms.
#include "backplane.h"
#include "redis_client.h"

#include <wno/sdk/config.hpp>
#include <wno/sdk/sdk.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <set>

namespace {

using wno::redis::Pool;
using wno::redis::RedisError;
using wno::redis::Reply;

// Tag invalidation in one step: nobody sees a half-invalidated tag. Keys go
// to UNLINK in slices (Lua's unpack has a stack limit), so a tag over
// 100,000 entries costs a few hundred calls, not 100,000.
const char* kInvalidateScript =
    "local keys = redis.call('ZRANGE', KEYS[1], 0, -1) "
    "local n = 0 "
    "for i = 1, #keys, 4096 do "
    "  n = n + redis.call('UNLINK', unpack(keys, i, math.min(i + 4095, #keys))) "
    "end "
    "redis.call('UNLINK', KEYS[1]) "
    "return n";

// A lease is released only by the holder of its token.
const char* kUnlockScript =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end "
    "return 0";

std::string regionTag(std::string_view region) { return std::string("\x01region:") + std::string(region); }

struct RedisConfig {
  std::string url = "redis://127.0.0.1:6379/0";
  size_t poolSize = 8;
  int timeoutMs = 100;
  int bulkTimeoutMs = 5000;
  std::string prefix = "wno:";
  bool backplane = true;
  std::string channel = "wno:cache:events";
};

RedisConfig configFrom(std::string_view text, bool probe) {
  const wno::sdk::ComponentConfig c =
      probe ? wno::sdk::ComponentConfig(text, {"url", "timeout_ms"})
            : wno::sdk::ComponentConfig(text, {"url", "pool_size", "timeout_ms", "bulk_timeout_ms", "key_prefix",
                                               "backplane", "backplane_channel"});
  constexpr int64_t kMaxTimeoutMs = 600000;
  RedisConfig r;
  r.url = c.string("url", r.url);
  r.poolSize = static_cast<size_t>(c.integer("pool_size", static_cast<int64_t>(r.poolSize), 1, 256));
  r.timeoutMs = static_cast<int>(c.integer("timeout_ms", r.timeoutMs, 1, kMaxTimeoutMs));
  r.bulkTimeoutMs = static_cast<int>(c.integer("bulk_timeout_ms", r.bulkTimeoutMs, 1, kMaxTimeoutMs));
  r.prefix = c.string("key_prefix", r.prefix);
  r.backplane = c.boolean("backplane", r.backplane);
  if (c.has("backplane_channel")) r.channel = c.string("backplane_channel", "", /*required=*/true);
  return r;
}

template <typename Fn>
auto translate(Fn&& fn) {
  try {
    return fn();
  } catch (const RedisError& e) {
    throw wno::sdk::Error(e.status, e.what());
  }
}

class RedisCache : public wno::sdk::SharedCacheBackend {
 public:
  RedisCache(wno::sdk::Host host, std::string_view configJson)
      : host_(host),
        config_(configFrom(configJson, false)),
        pool_(translate([&] { return wno::redis::parseRedisUrl(config_.url); }), config_.poolSize,
              std::chrono::milliseconds(config_.timeoutMs)),
        deadline_(host.lookup<wno_host_call_deadline_fn>(WNO_HOST_CALL_DEADLINE_V1)) {
    if (config_.backplane) {
      backplane_ = std::make_unique<wno::redis::Backplane>(pool_.url(), config_.channel,
                                                           std::chrono::milliseconds(std::max(config_.timeoutMs, 1000)));
    }
  }

  bool get(std::string_view key, wno::sdk::CacheHit& hit) override {
    return call([&] {
      const std::string vkey = valueKey(key);
      auto c = pool_.acquire(budget());
      Reply reply = c->command({"GET", vkey});
      if (reply->type != REDIS_REPLY_STRING || reply->len < kExpiryBytes) {
        ++misses_;
        return false;
      }
      ++hits_;
      const std::string_view stored(reply->str, reply->len);
      hit.deliver(stored.substr(kExpiryBytes), readExpiry(stored));
      return true;
    });
  }

  void set(std::string_view key, const wno::sdk::CacheEntryView& e) override {
    call([&] {
      const auto limit = budget();
      const std::string vkey = valueKey(key);
      const std::string at = std::to_string(e.expiresAtMs);
      const std::string score = e.expiresAtMs > 0 ? at : "+inf";
      const std::string expiredBefore = "(" + std::to_string(host_.nowMs());
      std::vector<std::string> tagKeys;
      for (auto t : e.tags) tagKeys.push_back(tagKey(t));
      tagKeys.push_back(tagKey(regionTag(e.region)));
      const std::string stored = withExpiry(e.expiresAtMs, e.value);
      std::vector<std::vector<std::string_view>> commands;
      if (e.expiresAtMs > 0) commands.push_back({"SET", vkey, stored, "PXAT", at});
      else commands.push_back({"SET", vkey, stored});
      for (const auto& tk : tagKeys) {
        commands.push_back({"ZADD", tk, score, vkey});
        commands.push_back({"ZREMRANGEBYSCORE", tk, "-inf", expiredBefore});
        if (e.expiresAtMs > 0) {
          // NX gives a new set an expiry; GT only ever extends it.
          commands.push_back({"PEXPIREAT", tk, at, "NX"});
          commands.push_back({"PEXPIREAT", tk, at, "GT"});
        } else {
          commands.push_back({"PERSIST", tk});  // a member that never expires keeps its tag
        }
      }
      // The event rides in the same round trip, after the write it announces.
      const std::string event = eventMessage(WNO_CACHE_EVENT_KEY, key);
      if (!event.empty()) commands.push_back({"PUBLISH", backplane_->channel(), event});
      auto c = pool_.acquire(limit);
      c->pipeline(commands);
      ++sets_;
      return 0;
    });
  }

  bool remove(std::string_view key) override {
    return call([&] {
      const auto limit = budget();
      const std::string vkey = valueKey(key);
      const std::string event = eventMessage(WNO_CACHE_EVENT_KEY, key);
      auto c = pool_.acquire(limit);
      if (event.empty()) return c->command({"DEL", vkey})->integer > 0;
      auto replies = c->pipeline({{"DEL", vkey}, {"PUBLISH", backplane_->channel(), event}});
      return replies[0]->integer > 0;
    });
  }

  uint64_t invalidateTag(std::string_view tag) override {
    return call([&] {
      const std::string key = tagKey(tag);
      const std::string event = eventMessage(WNO_CACHE_EVENT_TAG, tag);
      auto c = pool_.acquire(bulkBudget());
      if (event.empty()) return static_cast<uint64_t>(c->command({"EVAL", kInvalidateScript, "1", key})->integer);
      auto replies = c->pipeline({{"EVAL", kInvalidateScript, "1", key}, {"PUBLISH", backplane_->channel(), event}});
      return static_cast<uint64_t>(replies[0]->integer);
    });
  }

  void clear(std::string_view region) override {
    if (!region.empty()) {
      invalidateTag(regionTag(region));
      return;
    }
    call([&] {
      auto c = pool_.acquire(bulkBudget());
      std::string cursor = "0";
      const std::string match = config_.prefix + "*";
      do {
        auto reply = c->command({"SCAN", cursor, "MATCH", match, "COUNT", "1000"});
        cursor.assign(reply->element[0]->str, reply->element[0]->len);
        const auto* keys = reply->element[1];
        if (keys->elements == 0) continue;
        std::vector<std::string_view> unlink{"UNLINK"};
        for (size_t i = 0; i < keys->elements; ++i) unlink.emplace_back(keys->element[i]->str, keys->element[i]->len);
        c->command(unlink);
      } while (cursor != "0");
      return 0;
    });
    publish(WNO_CACHE_EVENT_CLEAR, region);
  }

  std::string statsJson() override {
    return nlohmann::json{{"hits", hits_.load()},
                          {"misses", misses_.load()},
                          {"sets", sets_.load()},
                          {"errors", errors_.load()},
                          {"backplane", config_.backplane},
                          {"backplane_subscribed", backplane_ && backplane_->subscribed()},
                          {"backplane_received", backplane_ ? backplane_->received() : 0},
                          {"pool_size", config_.poolSize}}
        .dump();
  }

  void setListener(const wno_cache_listener* listener) override {
    if (backplane_) backplane_->setListener(listener);
  }

  // Leases for the host's distributed single-flight: SET NX with an expiry
  // takes one; only the holder of the token deletes it (a script, so the
  // check and the delete are one step).
  bool tryLock(std::string_view name, std::string_view token, int64_t leaseMs) {
    return call([&] {
      const std::string key = leaseKey(name);
      const std::string ttl = std::to_string(std::max<int64_t>(leaseMs, 1));
      auto c = pool_.acquire(budget());
      Reply reply = c->command({"SET", key, token, "NX", "PX", ttl});
      return reply->type == REDIS_REPLY_STATUS;
    });
  }

  bool unlock(std::string_view name, std::string_view token) {
    return call([&] {
      const std::string key = leaseKey(name);
      auto c = pool_.acquire(budget());
      return c->command({"EVAL", kUnlockScript, "1", key, token})->integer > 0;
    });
  }

 private:
  // "e:" values begin with their absolute expiry (8 bytes, little endian),
  // so a read is one GET rather than GET + PEXPIRETIME.
  std::string valueKey(std::string_view key) const { return config_.prefix + "e:" + std::string(key); }
  static constexpr size_t kExpiryBytes = 8;
  static std::string withExpiry(int64_t expiresAtMs, std::string_view value) {
    std::string out(kExpiryBytes, '\0');
    const auto bits = static_cast<uint64_t>(expiresAtMs);
    for (size_t i = 0; i < kExpiryBytes; ++i) out[i] = static_cast<char>((bits >> (8 * i)) & 0xff);
    out.append(value);
    return out;
  }
  static int64_t readExpiry(std::string_view stored) {
    uint64_t bits = 0;
    for (size_t i = 0; i < kExpiryBytes; ++i) bits |= static_cast<uint64_t>(static_cast<unsigned char>(stored[i])) << (8 * i);
    return static_cast<int64_t>(bits);
  }
  std::string tagKey(std::string_view tag) const { return config_.prefix + "tz:" + std::string(tag); }
  std::string leaseKey(std::string_view name) const { return config_.prefix + "lk:" + std::string(name); }
  std::string eventMessage(wno_cache_event event, std::string_view subject) const {
    return backplane_ ? backplane_->message(event, subject) : std::string();
  }

  // How long this call may wait on Redis: timeout_ms, or what is left of
  // the host's deadline for the call when that is sooner. Whole
  // milliseconds, so the socket timeout is only re-set when it changes.
  std::chrono::milliseconds budget() const {
    std::chrono::milliseconds limit(config_.timeoutMs);
    const int64_t deadline = deadline_ ? deadline_() : 0;
    if (deadline == 0) return limit;
    const int64_t left = deadline - host_.monotonicNs();
    if (left <= 0) throw RedisError(WNO_ERR_TIMEOUT, "redis: the host's deadline for this call had passed");
    return std::max(std::chrono::milliseconds(1), std::min(limit, std::chrono::milliseconds(left / 1'000'000)));
  }
  std::chrono::milliseconds bulkBudget() const {
    return std::chrono::milliseconds(std::max(config_.timeoutMs, config_.bulkTimeoutMs));
  }

  template <typename Fn>
  auto call(Fn&& fn) -> decltype(fn()) {
    try {
      return fn();
    } catch (const RedisError& e) {
      ++errors_;
      throw wno::sdk::Error(e.status, e.what());
    }
  }

  // Best effort: a lost event only means other hosts keep an L1 copy until
  // its TTL, so a publish failure must not fail the write that succeeded.
  void publish(wno_cache_event event, std::string_view subject) {
    if (!backplane_) return;
    try {
      backplane_->publish(pool_, event, subject);
    } catch (const std::exception& e) {
      ++errors_;
      host_.debug(std::string("backplane publish failed: ") + e.what());
    }
  }

  wno::sdk::Host host_;
  RedisConfig config_;
  Pool pool_;
  wno_host_call_deadline_fn deadline_;  // null on hosts without it
  std::unique_ptr<wno::redis::Backplane> backplane_;
  std::atomic<uint64_t> hits_{0}, misses_{0}, sets_{0}, errors_{0};
};

class RedisProbe : public wno::sdk::HealthProbe {
 public:
  RedisProbe(wno::sdk::Host, std::string_view configJson)
      : config_(configFrom(configJson, true)), url_(translate([&] { return wno::redis::parseRedisUrl(config_.url); })) {}

  wno::sdk::ProbeReport check(std::chrono::milliseconds timeout) override {
    const auto started = std::chrono::steady_clock::now();
    wno::sdk::ProbeReport r;
    try {
      wno::redis::Connection c(url_, std::min(timeout, std::chrono::milliseconds(config_.timeoutMs * 10)));
      c.command({"PING"});
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
      r.status = WNO_HEALTH_UP;
      r.message = "PONG";
      r.detailsJson = nlohmann::json{{"host", url_.host}, {"port", url_.port}, {"latency_ms", ms}}.dump();
    } catch (const std::exception& e) {
      r.status = WNO_HEALTH_DOWN;
      r.message = e.what();
      r.detailsJson = nlohmann::json{{"host", url_.host}, {"port", url_.port}}.dump();
    }
    return r;
  }

 private:
  RedisConfig config_;
  wno::redis::RedisUrl url_;
};

}  // namespace

WNO_PLUGIN("redis", "0.1.0", "Redis L2 cache with a pub/sub backplane, and a Redis probe",
           WNO_CACHE("redis", RedisCache, "Redis L2 cache with tags, backplane and shared locks"),
           WNO_HEALTH_PROBE("redis", RedisProbe, "Redis reachable, PING latency and memory"));
