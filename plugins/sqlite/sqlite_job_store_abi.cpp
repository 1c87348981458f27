// Adapts SqliteJobStore to the C ABI (wno_type_job_store). Every hook catches
// at the boundary: an input error keeps WNO_ERR_INVALID, a busy database is
// WNO_ERR_UNAVAILABLE (retry later), anything else WNO_ERR_INTERNAL; refusals
// (NOT_FOUND, PRECONDITION, CANCELLED) carry their reason. Messages go
// through set_error.
#include "sqlite_job_store_abi.h"

#include "sqlite_job_store.h"

#include <memory>

namespace wno::sqlite {
namespace {

struct Instance {
  const wno_host_api* api;
  wno_host_ctx* ctx;
  std::unique_ptr<SqliteJobStore> store;
};

Instance* self(void* p) { return static_cast<Instance*>(p); }
std::string_view view(wno_str s) { return s.data ? std::string_view(s.data, s.len) : std::string_view(); }

wno_status report(const wno_host_api* api, wno_host_ctx* ctx, wno_status status, const std::string& message) {
  if (api && api->set_error) api->set_error(ctx, wno_str{message.data(), message.size()});
  return status;
}

template <typename Fn>
wno_status guard(const wno_host_api* api, wno_host_ctx* ctx, Fn&& fn) noexcept {
  try {
    return fn();
  } catch (const sdk::Error& e) {
    return report(api, ctx, e.status(), e.what());
  } catch (const SqliteError& e) {
    if (e.isBusy()) return report(api, ctx, WNO_ERR_UNAVAILABLE, std::string("job database busy: ") + e.what());
    return report(api, ctx, WNO_ERR_INTERNAL, std::string("job database: ") + e.what());
  } catch (const std::exception& e) {
    return report(api, ctx, WNO_ERR_INTERNAL, e.what());
  } catch (...) {
    return report(api, ctx, WNO_ERR_INTERNAL, "unknown exception");
  }
}

template <typename Fn>
wno_status hook(void* p, Fn&& fn) noexcept {
  return guard(self(p)->api, self(p)->ctx, [&] { return fn(*self(p)->store); });
}

wno_status outcome(Instance* instance, const jobs::Outcome& o) {
  return o.ok() ? WNO_OK : report(instance->api, instance->ctx, o.status, o.message);
}

wno_status writeAll(const std::vector<std::string>& records, const wno_sink* out) {
  if (!out || !out->write) return WNO_OK;
  for (const auto& record : records) {
    const wno_status s = out->write(out->ctx, record.data(), record.size());
    if (s != WNO_OK) return s;
  }
  return WNO_OK;
}

wno_status onCreate(const wno_host_api* api, wno_host_ctx* ctx, wno_str config, void** out) {
  return guard(api, ctx, [&] {
    const std::string text(view(config));
    auto json = nlohmann::json::parse(text.empty() ? "{}" : text, nullptr, false);
    if (json.is_discarded()) throw jobs::InvalidInput("config is not valid JSON");
    const JobStoreOptions options = jobStoreOptionsFrom(json);
    auto instance = std::make_unique<Instance>(Instance{api, ctx, nullptr});
    SqliteJobStore::Clock clock = [api] { return api->now_ms(); };
    try {
      instance->store = std::make_unique<SqliteJobStore>(options, std::move(clock));
    } catch (const std::exception& e) {
      throw sdk::Error(WNO_ERR_UNAVAILABLE, "cannot open job database " + options.path + ": " + e.what());
    }
    *out = instance.release();
    return WNO_OK;
  });
}

void onDestroy(void* p) { delete self(p); }

wno_status onEnqueue(void* p, wno_str job, const wno_sink* out, int32_t* created) {
  return hook(p, [&](SqliteJobStore& s) {
    auto [isNew, record] = s.enqueue(view(job));
    if (created) *created = isNew ? 1 : 0;
    return out && out->write ? out->write(out->ctx, record.data(), record.size()) : WNO_OK;
  });
}

wno_status onEnqueueMany(void* p, wno_str jobs, size_t count, const wno_sink* out, int32_t* created) {
  return hook(p, [&](SqliteJobStore& s) {
    const auto stored = s.enqueueMany(view(jobs), count);
    for (size_t i = 0; i < stored.size(); ++i) {
      if (created) created[i] = stored[i].first ? 1 : 0;
      if (out && out->write) {
        const wno_status st = out->write(out->ctx, stored[i].second.data(), stored[i].second.size());
        if (st != WNO_OK) return st;
      }
    }
    return WNO_OK;
  });
}

wno_status onFinishMany(void* p, wno_str worker, wno_str items, size_t count, wno_status* statuses,
                        const wno_sink* refusals) {
  return hook(p, [&](SqliteJobStore& s) {
    const auto outcomes = s.finishMany(view(worker), view(items), count);
    for (size_t i = 0; i < outcomes.size(); ++i) {
      statuses[i] = outcomes[i].status;
      if (!outcomes[i].ok() && refusals && refusals->write) {
        const std::string refusal = jobs::refusalJson(i, outcomes[i].message);
        refusals->write(refusals->ctx, refusal.data(), refusal.size());
      }
    }
    return WNO_OK;
  });
}

wno_status onClaim(void* p, wno_str queue, wno_str worker, uint32_t max, int64_t now, int64_t lease,
                   const wno_sink* out) {
  return hook(p, [&](SqliteJobStore& s) { return writeAll(s.claim(view(queue), view(worker), max, now, lease), out); });
}

wno_status onHeartbeat(void* p, wno_str id, wno_str worker, int64_t now, int64_t lease) {
  return hook(p, [&](SqliteJobStore& s) { return outcome(self(p), s.heartbeat(view(id), view(worker), now, lease)); });
}

wno_status onComplete(void* p, wno_str id, wno_str worker, int64_t now, wno_str result) {
  return hook(p,
              [&](SqliteJobStore& s) { return outcome(self(p), s.complete(view(id), view(worker), now, view(result))); });
}

wno_status onFail(void* p, wno_str id, wno_str worker, int64_t now, wno_str error, int64_t retryAt) {
  return hook(p, [&](SqliteJobStore& s) {
    return outcome(self(p), s.fail(view(id), view(worker), now, view(error), retryAt));
  });
}

wno_status onCancel(void* p, wno_str id, int64_t now) {
  return hook(p, [&](SqliteJobStore& s) { return outcome(self(p), s.cancel(view(id), now)); });
}

wno_status onRetry(void* p, wno_str id, int64_t now) {
  return hook(p, [&](SqliteJobStore& s) { return outcome(self(p), s.retry(view(id), now)); });
}

wno_status onGet(void* p, wno_str id, const wno_sink* out) {
  return hook(p, [&](SqliteJobStore& s) {
    auto record = s.get(view(id));
    if (!record) return WNO_NOT_FOUND;
    return out && out->write ? out->write(out->ctx, record->data(), record->size()) : WNO_OK;
  });
}

wno_status onList(void* p, wno_str filter, const wno_sink* out) {
  return hook(p, [&](SqliteJobStore& s) { return writeAll(s.list(view(filter)), out); });
}

wno_status onRecover(void* p, int64_t now, uint64_t* recovered) {
  return hook(p, [&](SqliteJobStore& s) {
    const uint64_t n = s.recoverStalled(now);
    if (recovered) *recovered = n;
    return WNO_OK;
  });
}

wno_status onStats(void* p, int64_t now, const wno_sink* out) {
  return hook(p, [&](SqliteJobStore& s) {
    const std::string json = s.statsJson(now);
    return out && out->write ? out->write(out->ctx, json.data(), json.size()) : WNO_OK;
  });
}

wno_status onPurge(void* p, int64_t before, uint64_t* purged) {
  return hook(p, [&](SqliteJobStore& s) {
    const uint64_t n = s.purge(before);
    if (purged) *purged = n;
    return WNO_OK;
  });
}

wno_status onWait(void* p, wno_str queue, int64_t timeout) {
  return hook(p, [&](SqliteJobStore& s) {
    s.wait(view(queue), timeout);
    return WNO_OK;
  });
}

const wno_type_job_store kJobStore = {
    sizeof(wno_type_job_store), onCreate, onDestroy, onEnqueue, onClaim, onHeartbeat, onComplete, onFail,
    onCancel,                   onRetry,  onGet,     onList,    onRecover, onStats,   onPurge,    onWait,
    onEnqueueMany,              onFinishMany};

}  // namespace

const wno_type_job_store& jobStoreVtable() { return kJobStore; }

}  // namespace wno::sqlite
