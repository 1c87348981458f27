#include "pg_activity.h"

#include <libpq-fe.h>

#include <map>
#include <memory>
#include <mutex>

namespace wno::pg {
namespace {

int64_t steadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// host:port/database as libpq reads them; the text itself when it does not parse.
std::string serverKey(const std::string& urlOrConninfo) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(urlOrConninfo.c_str(), &error);
  if (error) PQfreemem(error);
  if (options == nullptr) return urlOrConninfo;
  std::string host, port, dbname;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    const std::string keyword = o->keyword;
    const std::string value = o->val ? o->val : "";
    if (keyword == "host" || (keyword == "hostaddr" && host.empty())) host = value;
    if (keyword == "port") port = value;
    if (keyword == "dbname") dbname = value;
  }
  PQconninfoFree(options);
  return host + ":" + port + "/" + dbname;
}

}  // namespace

void ServerActivity::recordSuccess() { lastSuccessMs_.store(steadyMs(), std::memory_order_relaxed); }

int64_t ServerActivity::msSinceSuccess() const {
  const int64_t last = lastSuccessMs_.load(std::memory_order_relaxed);
  return last < 0 ? -1 : steadyMs() - last;
}

ServerActivity& activityFor(const std::string& urlOrConninfo) {
  static std::mutex mutex;
  static auto* registry = new std::map<std::string, std::unique_ptr<ServerActivity>>;  // never freed: pools may outlive statics
  const std::string key = serverKey(urlOrConninfo);
  std::lock_guard lock(mutex);
  auto& slot = (*registry)[key];
  if (!slot) slot = std::make_unique<ServerActivity>();
  return *slot;
}

}  // namespace wno::pg
