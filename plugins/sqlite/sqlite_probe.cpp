// Each check opens its own read-only connection: it proves the file can be
// opened now (a connection held open would keep working on a deleted or
// replaced file), and read-only never checkpoints or writes anything.
#include "sqlite_probe.h"

#include <wno/sdk/config.hpp>
#include <wno/sdk/sdk.hpp>

#include <nlohmann/json.hpp>

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <set>

namespace wno::sqlite {
namespace {

using Clock = std::chrono::steady_clock;
using wno::sdk::ProbeReport;

std::optional<int64_t> fileSize(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return static_cast<int64_t>(st.st_size);
}

std::string mib(int64_t bytes) { return std::to_string((bytes + (1 << 19)) >> 20) + " MiB"; }

// A read-only connection closed on every path out.
class Handle {
 public:
  ~Handle() {
    if (db) sqlite3_close_v2(db);
  }
  sqlite3* db = nullptr;
};

// Why the file cannot serve the repository, if it cannot; its size otherwise.
std::optional<std::string> fileProblem(const std::string& path, nlohmann::json& details) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "database file " + path + " does not exist";
  if (!S_ISREG(st.st_mode)) return path + " is not a regular file";
  details["file_bytes"] = static_cast<int64_t>(st.st_size);
  // The repository writes: a file it cannot write is as good as gone.
  if (::access(path.c_str(), R_OK | W_OK) != 0) return "database file " + path + " is not readable and writable";
  return std::nullopt;
}

// The first column of the first row; nullopt with `error` set otherwise.
std::optional<int64_t> queryInteger(sqlite3* db, const char* sql, std::string& error) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) {
    error = sqlite3_errmsg(db);
    return std::nullopt;
  }
  std::optional<int64_t> out;
  const int step = sqlite3_step(stmt);
  if (step == SQLITE_ROW) out = sqlite3_column_int64(stmt, 0);
  else error = step == SQLITE_INTERRUPT ? "query interrupted at the probe's timeout" : sqlite3_errmsg(db);
  sqlite3_finalize(stmt);
  return out;
}

std::string journalMode(sqlite3* db) {
  std::string journal = "unknown";
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr) == SQLITE_OK) {
    if (sqlite3_step(stmt) == SQLITE_ROW) journal = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
  }
  return journal;
}

// The journal mode and the pages: size, count and how many are free. A
// figure the database will not give is left out; it does not fail the check.
void addStorageDetails(sqlite3* db, nlohmann::json& details) {
  std::string ignored;
  const auto pageSize = queryInteger(db, "PRAGMA page_size", ignored);
  const auto pageCount = queryInteger(db, "PRAGMA page_count", ignored);
  const auto freePages = queryInteger(db, "PRAGMA freelist_count", ignored);
  details["journal_mode"] = journalMode(db);
  if (pageSize) details["page_size"] = *pageSize;
  if (pageCount) details["page_count"] = *pageCount;
  if (freePages) details["freelist_pages"] = *freePages;
  if (pageCount && freePages && *pageCount > 0) {
    details["free_fraction"] = static_cast<double>(*freePages) / static_cast<double>(*pageCount);
  }
}

}  // namespace

SqliteProbe::SqliteProbe(wno::sdk::Host, std::string_view configJson) {
  const wno::sdk::ComponentConfig config(configJson, {"degraded_latency_ms", "degraded_wal_bytes", "path"});
  path_ = config.string("path", "", /*required=*/true);
  degradedWalBytes_ = config.integer("degraded_wal_bytes", degradedWalBytes_, 1, INT64_MAX);
  degradedLatencyMs_ = config.integer("degraded_latency_ms", degradedLatencyMs_, 1, INT64_MAX);
}

ProbeReport SqliteProbe::check(std::chrono::milliseconds timeout) {
  ProbeReport r;
  nlohmann::json details = {{"path", path_}};
  auto down = [&](const std::string& message) {
    r.status = WNO_HEALTH_DOWN;
    r.message = message;
    r.detailsJson = details.dump();
    return r;
  };
  if (auto problem = fileProblem(path_, details)) return down(*problem);

  const auto started = Clock::now();
  Handle h;
  int rc = sqlite3_open_v2(path_.c_str(), &h.db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) return down("cannot open " + path_ + ": " + (h.db ? sqlite3_errmsg(h.db) : sqlite3_errstr(rc)));
  // Waits on a locked database end with the timeout, and so does a query
  // that runs too long (the progress handler interrupts it).
  sqlite3_busy_timeout(h.db, static_cast<int>(std::max<int64_t>(1, timeout.count())));
  Clock::time_point limit = started + timeout;
  sqlite3_progress_handler(
      h.db, 1000, [](void* p) { return Clock::now() > *static_cast<Clock::time_point*>(p) ? 1 : 0; }, &limit);

  std::string error;
  // Reading the schema proves the file is a database and takes a read lock.
  const auto tables = queryInteger(h.db, "SELECT count(*) FROM sqlite_schema", error);
  if (!tables) return down("query failed on " + path_ + ": " + error);
  const double latencyMs = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
  addStorageDetails(h.db, details);
  const int64_t walBytes = fileSize(path_ + "-wal").value_or(0);
  details["latency_ms"] = latencyMs;
  details["tables"] = *tables;
  details["wal_bytes"] = walBytes;

  r.status = WNO_HEALTH_UP;
  r.message = "ok in " + std::to_string(static_cast<int>(latencyMs + 0.5)) + " ms";
  if (walBytes > degradedWalBytes_) {
    // A WAL that keeps growing means checkpoints cannot complete (a
    // reader that never ends); reads slow down as it grows.
    r.status = WNO_HEALTH_DEGRADED;
    r.message = "WAL is " + mib(walBytes) + " (above " + mib(degradedWalBytes_) + "): checkpoints are not keeping up";
  } else if (latencyMs > static_cast<double>(degradedLatencyMs_)) {
    r.status = WNO_HEALTH_DEGRADED;
    r.message = "slow: " + std::to_string(static_cast<int>(latencyMs)) + " ms (above " +
                std::to_string(degradedLatencyMs_) + " ms)";
  }
  r.detailsJson = details.dump();
  return r;
}

}  // namespace wno::sqlite
