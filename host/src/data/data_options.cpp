#include "data/data_options.h"

#include "config/options_reader.h"
#include "protection/circuit_breaker.h"

namespace wno::host::data {

DataOptions dataOptionsFrom(const nlohmann::json& data) {
  const config::FilledSection filled(data, "/data");
  const config::OptionsNode d = filled.node();
  DataOptions options;
  const config::OptionsNode repositories = d.child("repositories");
  for (size_t i = 0; i < repositories.size(); ++i) {
    const config::OptionsNode r = repositories.item(i);
    RepositoryConfig repository;
    repository.component = componentConfigFrom(r);
    repository.breaker = r.get<nlohmann::json>("breaker");
    repository.breakerEnabled = breakerEnabled(repository.breaker).value_or(true);
    options.repositories.push_back(std::move(repository));
  }
  options.collections = d.get<nlohmann::json>("collections");
  options.cursorSecret = d.get<std::string>("cursor_secret");
  options.slowQueryMs = d.get<int64_t>("slow_query_ms");
  options.maxBulkRows = d.get<size_t>("max_bulk_rows");
  return options;
}

}  // namespace wno::host::data
