// The `sqlite` job store as an SDK component: SqliteJobStore (no ABI types)
// behind jobs::StoreComponent, which reports errors as every shipped store
// does. What is the sqlite store's own is its database failures: busy
// (another process holds the file lock past busy_timeout_ms) is
// WNO_ERR_UNAVAILABLE, worth a retry; anything else WNO_ERR_INTERNAL.
// Config: {"path":"./data/jobs.db","busy_timeout_ms":5000,"pool_size":4}
#pragma once

#include "jobs/store_component.h"
#include "sqlite_job_store.h"

#include <memory>
#include <string>
#include <string_view>

namespace wno::sqlite {

struct SqliteCalls {
  template <typename Fn>
  static decltype(auto) run(Fn&& fn) {
    try {
      return fn();
    } catch (const SqliteError& e) {
      if (e.isBusy()) throw wno::sdk::Error(WNO_ERR_UNAVAILABLE, std::string("job database busy: ") + e.what());
      throw wno::sdk::Error(WNO_ERR_INTERNAL, std::string("job database: ") + e.what());
    }
  }
};

class SqliteJobStoreComponent : public jobs::StoreComponent<SqliteJobStore, SqliteCalls> {
 public:
  SqliteJobStoreComponent(wno::sdk::Host host, std::string_view configJson)
      : StoreComponent(open(host, databaseOptionsFrom(configJson, {"./data/jobs.db", 4, 5000}))) {}

 private:
  static std::unique_ptr<SqliteJobStore> open(const wno::sdk::Host& host, const DatabaseOptions& options) {
    try {
      return std::make_unique<SqliteJobStore>(options, [host] { return host.nowMs(); });
    } catch (const std::exception& e) {
      throw wno::sdk::Error(WNO_ERR_UNAVAILABLE, "cannot open job database " + options.path + ": " + e.what());
    }
  }
};

}  // namespace wno::sqlite
