// wno SDK — one abstract class per component kind. Derive, implement, and
// register with the macros in plugin.hpp. Every component is constructed as
// T(wno::sdk::Host host, std::string_view configJson); a throwing
// constructor fails the create with its message. THREADS: as the kind's C
// header says (cache, repository and job store methods run concurrently;
// a probe's check never overlaps itself; handlers run concurrently).
#pragma once

#include "wno/sdk/host.hpp"

#include <wno/cache.h>
#include <wno/health_probe.h>
#include <wno/job_handler.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wno::sdk {

// Writes items (rows, records) to the host. write() returns false once the
// host asked to stop (e.g. the client went away): stop producing and return.
class Writer {
 public:
  explicit Writer(const wno_sink* sink) : sink_(sink) {}
  bool write(std::string_view item) {
    if (sink_ == nullptr || sink_->write == nullptr) return true;
    if (stopped_ != WNO_OK) return false;
    stopped_ = sink_->write(sink_->ctx, item.data(), item.size());
    return stopped_ == WNO_OK;
  }
  wno_status stopped() const { return stopped_; }

 private:
  const wno_sink* sink_;
  wno_status stopped_ = WNO_OK;
};

// ---------------------------------------------------------------- cache ----

struct CacheEntryView {
  std::string_view value;
  int64_t expiresAtMs = 0;  // Unix ms; 0 = never
  std::vector<std::string_view> tags;
  std::string_view region;
};

// Hands a found entry to the host without an extra copy: call deliver()
// while the bytes are still valid (e.g. under your lock).
class CacheHit {
 public:
  explicit CacheHit(const wno_cache_entry_sink* sink) : sink_(sink) {}
  void deliver(std::string_view value, int64_t expiresAtMs) {
    wno_cache_entry e{};
    e.struct_size = sizeof e;
    e.value = wno_bytes{reinterpret_cast<const uint8_t*>(value.data()), value.size()};
    e.expires_at_ms = expiresAtMs;
    if (sink_ && sink_->put) sink_->put(sink_->ctx, &e);
  }

 private:
  const wno_cache_entry_sink* sink_;
};

class CacheBackend {
 public:
  virtual ~CacheBackend() = default;
  // True after hit.deliver(...); false when absent or expired.
  virtual bool get(std::string_view key, CacheHit& hit) = 0;
  virtual void set(std::string_view key, const CacheEntryView& entry) = 0;
  virtual bool remove(std::string_view key) = 0;
  virtual uint64_t invalidateTag(std::string_view tag) = 0;
  virtual void clear(std::string_view region) = 0;  // empty: everything
  virtual std::string statsJson() = 0;
  // A backend shared by several hosts derives from SharedCacheBackend
  // below, whose setListener it must override; the SDK then fills
  // on_set_listener, otherwise it stays NULL (local only). (A backend that
  // defines a matching setListener without the base still gets one.)
  // A shared backend built for ABI 1.2 may also define both of
  //   bool tryLock(std::string_view name, std::string_view token, int64_t leaseMs);
  //   bool unlock(std::string_view name, std::string_view token);
  // (a lease across hosts, for distributed single-flight: tryLock true when
  // taken; unlock true when it still held token and released it). The SDK
  // then fills on_try_lock and on_unlock.
};

// A cache backend whose entries other hosts share (an L2): it reports their
// changes through the listener, which is how every host's L1 hears of them.
// setListener is pure so that a shared backend cannot leave it out, or get
// its name or signature wrong, without a compile error.
class SharedCacheBackend : public CacheBackend {
 public:
  // Copy the struct; nullptr stops delivery. The listener stays valid until
  // it is replaced or the backend is destroyed.
  virtual void setListener(const wno_cache_listener* listener) = 0;
};

// ---------------------------------------------------------- health probe ----

struct ProbeReport {
  wno_health status = WNO_HEALTH_UP;
  double load = -1;  // 0..1 load signal, or negative for none
  std::string message;
  std::string detailsJson = "{}";
};

class HealthProbe {
 public:
  virtual ~HealthProbe() = default;
  virtual ProbeReport check(std::chrono::milliseconds timeout) = 0;
};

// ----------------------------------------------------------- job handler ----

struct Job {
  std::string_view id;
  std::string_view type;
  std::string_view queue;
  std::string_view dataJson;
  uint32_t attempt = 1;
  uint32_t maxAttempts = 1;
  int64_t deadlineMs = 0;
};

// A handler may also declare the JSON Schema of its job data (ABI 1.2):
//   static constexpr std::string_view kDataSchema = R"({"type":"object",...})";
// The host then refuses enqueues whose data does not match (400 naming the
// member) and shows the schema in /openapi.json.
class JobHandler {
 public:
  virtual ~JobHandler() = default;
  // Returns the result JSON ("" for none). Throw Error(WNO_ERR_INVALID, ...)
  // to fail for good; any other exception is a retryable failure.
  virtual std::string handle(const Job& job) = 0;
};

// ------------------------------------------------------------ repository ----

class Repository {
 public:
  virtual ~Repository() = default;
  virtual void defineCollection(std::string_view collectionJson) = 0;
  virtual void query(std::string_view collection, std::string_view queryJson, Writer& rows) = 0;
  virtual bool get(std::string_view collection, int64_t id, std::string_view fieldsJson, Writer& row) = 0;
  virtual void insert(std::string_view collection, std::string_view rowJson, Writer& row) = 0;
  virtual std::string insertMany(std::string_view collection, std::string_view rowsJson) = 0;  // ids array
  virtual void update(std::string_view collection, int64_t id, int64_t expectedVersion, std::string_view patchJson,
                      Writer& row) = 0;
  virtual bool remove(std::string_view collection, int64_t id) = 0;
  virtual int64_t count(std::string_view collection, std::string_view queryJson) = 0;
  // ABI 1.2 writes by filter, optional: define either member (no virtual
  // needed) and the SDK fills the hook; without it the host refuses bulk
  // PATCH / DELETE by filter for this repository. A plugin built with
  // WNO_TARGET_ABI_MINOR below 2 never exposes them. Contracts in
  // repository.h (on_update_where, on_delete_where): one transaction, each
  // affected row written after the commit.
  //   void updateWhere(std::string_view collection, std::string_view queryJson, std::string_view patchJson,
  //                    Writer& rows);
  //   void removeWhere(std::string_view collection, std::string_view queryJson, Writer& rows);
};

// ------------------------------------------------------------- job store ----

class JobStore {
 public:
  virtual ~JobStore() = default;
  // Returns true when the job was created, false when one with its id existed.
  virtual bool enqueue(std::string_view jobJson, Writer& job) = 0;
  virtual void claim(std::string_view queue, std::string_view worker, uint32_t maxJobs, int64_t nowMs,
                     int64_t leaseMs, Writer& jobs) = 0;
  // The remaining hooks return WNO_OK, and report a refusal as job_store.h
  // names it (WNO_NOT_FOUND, WNO_ERR_PRECONDITION, WNO_ERR_CANCELLED) the way
  // every error is reported: throw wno::sdk::Error(status, reason), so the
  // host gets the reason too (a returned status would come without one).
  virtual wno_status heartbeat(std::string_view id, std::string_view worker, int64_t nowMs, int64_t leaseMs) = 0;
  virtual wno_status complete(std::string_view id, std::string_view worker, int64_t nowMs,
                              std::string_view resultJson) = 0;
  virtual wno_status fail(std::string_view id, std::string_view worker, int64_t nowMs, std::string_view error,
                          int64_t retryAtMs) = 0;
  virtual wno_status cancel(std::string_view id, int64_t nowMs) = 0;
  virtual wno_status retry(std::string_view id, int64_t nowMs) = 0;
  virtual bool get(std::string_view id, Writer& job) = 0;
  virtual void list(std::string_view filterJson, Writer& jobs) = 0;
  virtual uint64_t recoverStalled(int64_t nowMs) = 0;
  virtual std::string statsJson(int64_t nowMs) = 0;
  virtual uint64_t purge(int64_t beforeMs) = 0;
  // Optional: block up to timeoutMs until queue may have work (LISTEN/NOTIFY)
  // and return WNO_OK. The default tells the host to poll instead.
  virtual wno_status wait(std::string_view queue, int64_t timeoutMs) {
    (void)queue;
    (void)timeoutMs;
    return WNO_ERR_UNSUPPORTED;
  }
  // ABI 1.1 batches, optional: define either member (no virtual needed) and
  // the SDK fills the hook; without it the host falls back to the 1.0 hooks
  // one job at a time. A plugin built with WNO_TARGET_ABI_MINOR=0 never
  // exposes them. Contracts in job_store.h (on_enqueue_many, on_finish_many):
  //   void enqueueMany(std::string_view jobsJson, size_t count, Writer& jobs, int32_t* created);
  //   void finishMany(std::string_view worker, std::string_view itemsJson, size_t count,
  //                   wno_status* statuses, Writer& refusals);
  // ABI 1.3, optional in the same way (targets below 3 never expose it):
  // renews several leases in one round trip (on_heartbeat_many), statuses[i]
  // as heartbeat() would report ids[i]:
  //   void heartbeatMany(std::string_view worker, const std::vector<std::string_view>& ids, int64_t nowMs,
  //                      int64_t leaseMs, wno_status* statuses);
};

}  // namespace wno::sdk
