// The `sqlite` plugin, the embedded default's storage: a repository, a job
// store and a probe, each an SDK component like every other shipped plugin
// (the logic lives in sqlite_repository.h, sqlite_job_store.h and
// sqlite_probe.h, without ABI types). Errors are exceptions: RepoError is
// wno::sdk::Error, so its status and message reach the host as they are.
#include "sqlite_job_store_component.h"
#include "sqlite_probe.h"
#include "sqlite_repository.h"

#include <wno/sdk/sdk.hpp>

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace {

using wno::sqlite::RepoError;
using wno::sqlite::SqliteRepository;

nlohmann::json parsed(std::string_view text, const char* what) {
  auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded()) throw RepoError(WNO_ERR_INVALID, std::string(what) + " is not valid JSON");
  return json;
}

// The repository's row sink onto the host's writer: false (stop) once the
// host's sink refused a row; the SDK returns that status.
SqliteRepository::RowSink into(wno::sdk::Writer& out) {
  return [&out](const std::string& row) { return out.write(row); };
}

class SqliteRepositoryComponent : public wno::sdk::Repository {
 public:
  SqliteRepositoryComponent(wno::sdk::Host, std::string_view configJson) {
    const auto options = wno::sqlite::databaseOptionsFrom(configJson, {"./data/wno.db", 4, 5000});
    try {
      repo_ = std::make_unique<SqliteRepository>(options);
    } catch (const std::exception& e) {
      throw RepoError(WNO_ERR_UNAVAILABLE, std::string("cannot open database: ") + e.what());
    }
  }

  void defineCollection(std::string_view collectionJson) override {
    repo_->defineCollection(parsed(collectionJson, "collection"));
  }
  void query(std::string_view collection, std::string_view queryJson, wno::sdk::Writer& rows) override {
    repo_->query(std::string(collection), parsed(queryJson, "query"), into(rows));
  }
  bool get(std::string_view collection, int64_t id, std::string_view fieldsJson, wno::sdk::Writer& row) override {
    std::vector<std::string> fields;
    if (!fieldsJson.empty()) fields = parsed(fieldsJson, "fields").get<std::vector<std::string>>();
    return repo_->get(std::string(collection), id, fields, into(row));
  }
  void insert(std::string_view collection, std::string_view rowJson, wno::sdk::Writer& row) override {
    repo_->insert(std::string(collection), parsed(rowJson, "row"), into(row));
  }
  std::string insertMany(std::string_view collection, std::string_view rowsJson) override {
    return nlohmann::json(repo_->insertMany(std::string(collection), parsed(rowsJson, "rows"))).dump();
  }
  void update(std::string_view collection, int64_t id, int64_t expectedVersion, std::string_view patchJson,
              wno::sdk::Writer& row) override {
    repo_->update(std::string(collection), id, expectedVersion, parsed(patchJson, "patch"), into(row));
  }
  bool remove(std::string_view collection, int64_t id) override { return repo_->remove(std::string(collection), id); }
  int64_t count(std::string_view collection, std::string_view queryJson) override {
    return repo_->count(std::string(collection), parsed(queryJson, "query"));
  }
  // ABI 1.2 writes by filter; the SDK leaves them out of a plugin built for
  // an older minor (the wno_sqlite_v1_1 test fixture).
  void updateWhere(std::string_view collection, std::string_view queryJson, std::string_view patchJson,
                   wno::sdk::Writer& rows) {
    repo_->updateWhere(std::string(collection), parsed(queryJson, "query"), parsed(patchJson, "patch"), into(rows));
  }
  void removeWhere(std::string_view collection, std::string_view queryJson, wno::sdk::Writer& rows) {
    repo_->removeWhere(std::string(collection), parsed(queryJson, "query"), into(rows));
  }

 private:
  std::unique_ptr<SqliteRepository> repo_;
};

}  // namespace

WNO_PLUGIN("sqlite", "0.1.0", "SQLite repository and job store",
           WNO_REPOSITORY("sqlite", SqliteRepositoryComponent, "SQLite repository (embedded, WAL)"),
           WNO_JOB_STORE("sqlite", wno::sqlite::SqliteJobStoreComponent,
                         "SQLite job store (embedded, WAL, BEGIN IMMEDIATE claims)"),
           WNO_HEALTH_PROBE("sqlite", wno::sqlite::SqliteProbe,
                            "SQLite probe (file usable, quick query within the timeout, WAL and page stats)"));
