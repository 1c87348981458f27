// The data-plane paths alloc_bench counts, wired as the host wires them:
// the postgres repository and the memory L1 through the C ABI, the
// repository and cache services, and the entity cache the routes use.
#pragma once

#include "cache/cache_service.h"
#include "data/collection.h"
#include "data/cursor.h"
#include "data/list_query.h"
#include "data/page_body.h"
#include "data/repository_service.h"
#include "plugins/component_instance.h"
#include "plugins/plugin_manager.h"
#include "services/host_api.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <stdexcept>
#include <string>

namespace wno::bench {

class DataPaths {
 public:
  DataPaths(const std::string& url, const std::string& pluginDir) {
    using namespace wno::host;
    for (const char* name : {"postgres", "memory_cache"}) {
      PluginSpec spec;
      spec.name = name;
      PluginRefusal refusal;
      if (!manager_.load(spec, {pluginDir}, refusal).isOk()) throw std::runtime_error(refusal.line());
    }
    std::vector<std::string> errors;
    auto collections = data::collectionsFrom(nlohmann::json::parse(R"({"battles": {"versioned": true,
        "fields": {"title": {"type": "text", "required": true},
                   "status": {"type": "text", "default": "pending", "nullable": false},
                   "creator_id": {"type": "int64", "required": true}, "opponent_id": {"type": "int64"},
                   "votes_creator": {"type": "int64", "default": 0}, "ends_at": {"type": "timestamp"},
                   "updated_at": {"type": "timestamp", "read_only": true}},
        "filterable": ["status", "creator_id"], "sortable": ["created_at"],
        "cache": {"ttl_ms": 3600000, "region": "battles"}}})"),
                                             errors);
    if (!errors.empty()) throw std::runtime_error(errors.front());
    collections["battles"].repository = "main";
    std::map<std::string, std::unique_ptr<RepositoryInstance>> repos;
    repos.emplace("main", RepositoryInstance::create(manager_.find(WNO_KIND_REPOSITORY, "postgres"), hostApiTable(),
                                                     &services_, "main", {{"url", url}, {"pool_size", 2}})
                              .value());
    repos_ = std::make_unique<data::RepositoryService>(std::move(repos), std::move(collections), 0, services_);
    if (Status s = repos_->defineCollections(); !s.isOk()) throw std::runtime_error(s.message());
    std::vector<CacheLevel> levels;
    levels.push_back({"l1", CacheBackendInstance::create(manager_.find(WNO_KIND_CACHE, "memory"), hostApiTable(),
                                                         &services_, "l1", {{"max_bytes", 64 << 20}})
                                .value()});
    CacheServiceOptions options;
    options.defaultTtlMs = 3600000;
    cache_ = std::make_unique<CacheService>(std::move(levels), options, services_);
    repos_->setCache(cache_.get());
  }

  void seed(int rows) {
    nlohmann::json all = nlohmann::json::array();
    for (int i = 0; i < rows; ++i) {
      all.push_back({{"title", "battle " + std::to_string(i)}, {"creator_id", i % 7}, {"status", "active"},
                     {"votes_creator", i}});
    }
    if (!repos_->insertMany(battles(), all).isOk()) throw std::runtime_error("seed failed");
  }

  const wno::host::data::Collection& battles() const { return *repos_->collection("battles"); }

  // ---- the paths as the routes run them ----

  // GET /api/v1/battles/{id} answered from L1: the fast path's lookup
  // (DataRoutes::getCached), into the buffer each thread keeps.
  void cachedHit(int64_t id) {
    thread_local std::string framed;
    if (!repos_->entities().peekEntity(battles(), id, framed)) {
      if (!repos_->entities().entity(battles(), id).isOk()) throw std::runtime_error("no such entity");
    }
  }

  // GET /api/v1/battles?limit=20[&fields=...] with no page cache
  // (DataRoutes::fetchPage): rows spliced into the body as they arrive.
  void listPage(int limit, const std::string& fields = "") {
    using namespace wno::host::data;
    const auto& c = battles();
    std::vector<std::pair<std::string, std::string>> params{{"limit", std::to_string(limit)}};
    if (!fields.empty()) params.emplace_back("fields", fields);
    ListQuery query;
    QueryError error;
    if (!parseListQuery(c, params, query, error)) throw std::runtime_error(error.message);
    PageBody page(query);
    if (!repos_->list(c, query, nullptr, query.limit + 1, [&](std::string_view row) { return page.add(row); }).isOk()) {
      throw std::runtime_error("list failed");
    }
    std::string next;
    if (page.hasMore()) next = cursors_.encode(c.name, query.sortSignature(), query.filterSignature(), page.lastKeys());
    page.finish(next);
    body_ = std::move(page.text());
  }

 private:
  wno::host::HostServices services_;
  wno::host::PluginManager manager_{wno::host::hostApiTable(), &services_};
  std::unique_ptr<wno::host::data::RepositoryService> repos_;
  std::unique_ptr<wno::host::CacheService> cache_;
  wno::host::data::CursorCodec cursors_{"bench-secret"};
  std::string body_;
};

}  // namespace wno::bench
