// Adapts SqliteRepository to the C ABI (wno_type_repository) and lists the
// plugin's components (the job store's adapter is sqlite_job_store_abi.cpp). Every hook
// catches at the boundary: RepoError keeps its status, anything else is
// WNO_ERR_INTERNAL; the message goes through set_error.
#include "sqlite_job_store_abi.h"
#include "sqlite_probe.h"
#include "sqlite_repository.h"

#include <wno/plugin.h>

namespace {

using wno::sqlite::RepoError;
using wno::sqlite::SqliteRepository;

struct Instance {
  const wno_host_api* api;
  wno_host_ctx* ctx;
  std::unique_ptr<SqliteRepository> repo;
};

std::string text(wno_str s) { return s.data ? std::string(s.data, s.len) : std::string(); }

nlohmann::json parseJson(wno_str s, const char* what) {
  auto json = nlohmann::json::parse(text(s), nullptr, false);
  if (json.is_discarded()) throw RepoError(WNO_ERR_INVALID, std::string(what) + " is not valid JSON");
  return json;
}

template <typename Fn>
wno_status guard(const wno_host_api* api, wno_host_ctx* ctx, Fn&& fn) {
  auto report = [&](wno_status status, const std::string& message) {
    if (api && api->set_error) api->set_error(ctx, wno_str{message.data(), message.size()});
    return status;
  };
  try {
    return fn();
  } catch (const RepoError& e) {
    return report(e.status, e.what());
  } catch (const std::exception& e) {
    return report(WNO_ERR_INTERNAL, e.what());
  } catch (...) {
    return report(WNO_ERR_INTERNAL, "unknown exception");
  }
}

Instance* self(void* p) { return static_cast<Instance*>(p); }

// Adapts a host sink: a non-OK answer stops the scan and becomes the result.
struct SinkWriter {
  const wno_sink* sink;
  wno_status stopped = WNO_OK;
  bool operator()(const std::string& row) {
    if (!sink || !sink->write) return true;
    stopped = sink->write(sink->ctx, row.data(), row.size());
    return stopped == WNO_OK;
  }
};

wno_status onCreate(const wno_host_api* api, wno_host_ctx* ctx, wno_str config, void** out) {
  return guard(api, ctx, [&] {
    auto options = wno::sqlite::repositoryOptionsFrom(parseJson(config, "config"));
    auto instance = std::make_unique<Instance>(Instance{api, ctx, nullptr});
    try {
      instance->repo = std::make_unique<SqliteRepository>(options);
    } catch (const std::exception& e) {
      throw RepoError(WNO_ERR_UNAVAILABLE, std::string("cannot open database: ") + e.what());
    }
    *out = instance.release();
    return WNO_OK;
  });
}

void onDestroy(void* p) { delete self(p); }

wno_status onDefine(void* p, wno_str collection) {
  return guard(self(p)->api, self(p)->ctx, [&] {
    self(p)->repo->defineCollection(parseJson(collection, "collection"));
    return WNO_OK;
  });
}

wno_status onQuery(void* p, wno_str collection, wno_str query, const wno_sink* out) {
  return guard(self(p)->api, self(p)->ctx, [&] {
    SinkWriter writer{out};
    self(p)->repo->query(text(collection), parseJson(query, "query"), std::ref(writer));
    return writer.stopped;
  });
}

wno_status onGet(void* p, wno_str collection, int64_t id, wno_str fields, const wno_sink* out) {
  return guard(self(p)->api, self(p)->ctx, [&] {
    std::vector<std::string> list;
    if (fields.len > 0) list = parseJson(fields, "fields").get<std::vector<std::string>>();
    SinkWriter writer{out};
    if (!self(p)->repo->get(text(collection), id, list, std::ref(writer))) return WNO_NOT_FOUND;
    return writer.stopped;
  });
}

wno_status onInsert(void* p, wno_str collection, wno_str row, const wno_sink* out) {
  return guard(self(p)->api, self(p)->ctx, [&] {
    SinkWriter writer{out};
    self(p)->repo->insert(text(collection), parseJson(row, "row"), std::ref(writer));
    return WNO_OK;
  });
}

wno_status onInsertMany(void* p, wno_str collection, wno_str rows, const wno_sink* out) {
  return guard(self(p)->api, self(p)->ctx, [&] {
    const std::string ids = nlohmann::json(self(p)->repo->insertMany(text(collection), parseJson(rows, "rows"))).dump();
    return out && out->write ? out->write(out->ctx, ids.data(), ids.size()) : WNO_OK;
  });
}

wno_status onUpdate(void* p, wno_str collection, int64_t id, int64_t expected, wno_str patch, const wno_sink* out) {
  return guard(self(p)->api, self(p)->ctx, [&] {
    SinkWriter writer{out};
    self(p)->repo->update(text(collection), id, expected, parseJson(patch, "patch"), std::ref(writer));
    return WNO_OK;
  });
}

wno_status onDelete(void* p, wno_str collection, int64_t id) {
  return guard(self(p)->api, self(p)->ctx,
               [&] { return self(p)->repo->remove(text(collection), id) ? WNO_OK : WNO_NOT_FOUND; });
}

wno_status onCount(void* p, wno_str collection, wno_str query, int64_t* out) {
  return guard(self(p)->api, self(p)->ctx, [&] {
    *out = self(p)->repo->count(text(collection), parseJson(query, "query"));
    return WNO_OK;
  });
}

#if WNO_TARGET_ABI_MINOR >= 2
wno_status onUpdateWhere(void* p, wno_str collection, wno_str query, wno_str patch, const wno_sink* out) {
  return guard(self(p)->api, self(p)->ctx, [&] {
    SinkWriter writer{out};
    self(p)->repo->updateWhere(text(collection), parseJson(query, "query"), parseJson(patch, "patch"), std::ref(writer));
    return writer.stopped;
  });
}

wno_status onDeleteWhere(void* p, wno_str collection, wno_str query, const wno_sink* out) {
  return guard(self(p)->api, self(p)->ctx, [&] {
    SinkWriter writer{out};
    self(p)->repo->removeWhere(text(collection), parseJson(query, "query"), std::ref(writer));
    return writer.stopped;
  });
}

const wno_type_repository kRepository = {
    sizeof(wno_type_repository), onCreate, onDestroy, onDefine, onQuery,      onGet,        onInsert,
    onInsertMany,                onUpdate, onDelete,  onCount,  onUpdateWhere, onDeleteWhere};
#else
// Built for an older minor (the wno_sqlite_v1_1 test fixture): the table
// ends where that minor's did, so the host sees no 1.2 hook.
const wno_type_repository kRepository = {
    static_cast<uint32_t>(offsetof(wno_type_repository, on_update_where)), onCreate, onDestroy, onDefine, onQuery,
    onGet, onInsert, onInsertMany, onUpdate, onDelete, onCount, nullptr, nullptr};
#endif

const wno_component kComponents[] = {
    {sizeof(wno_component), WNO_KIND_REPOSITORY, "sqlite", "SQLite repository (embedded, WAL)", &kRepository},
    {sizeof(wno_component), WNO_KIND_JOB_STORE, "sqlite", "SQLite job store (embedded, WAL, BEGIN IMMEDIATE claims)",
     &wno::sqlite::jobStoreVtable()},
    {sizeof(wno_component), WNO_KIND_HEALTH_PROBE, "sqlite",
     "SQLite probe (file usable, quick query within the timeout, WAL and page stats)", &wno::sqlite::probeVtable()},
};

const wno_plugin kPlugin = {sizeof(wno_plugin), WNO_ABI_VERSION_MAJOR, WNO_TARGET_ABI_MINOR, "sqlite", "0.1.0",
                            "SQLite repository and job store", kComponents, sizeof kComponents / sizeof kComponents[0],
                            nullptr, nullptr};

}  // namespace

WNO_PLUGIN_ENTRY(hostMajor, hostMinor) {
  (void)hostMinor;
  return hostMajor == WNO_ABI_VERSION_MAJOR ? &kPlugin : nullptr;
}
