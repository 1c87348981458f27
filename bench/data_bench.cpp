// PostgreSQL data paths, one throwaway server, same run:
//  - keyset page latency at page 1 and page 10,000 (20 rows a page) through
//    the postgres repository plugin, sorted by -id and by -created_at (each
//    row its own timestamp), next to OFFSET at the same depths;
//  - createMany of 100,000 rows through the plugin vs one INSERT per row vs
//    psql \copy, reported as rows/s.
#include "core/logger.h"
#include "plugins/component_instance.h"
#include "plugins/plugin_manager.h"
#include "postgres_server.h"
#include "services/host_api.h"
#include "services/host_services.h"

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include <ctime>
#include <fstream>

namespace {

using nlohmann::json;
constexpr int kRows = 1'000'000;
constexpr int kPage = 20;
constexpr int kDeepPage = 10'000;

wno_str view(const std::string& s) { return wno_str{s.data(), s.size()}; }

// Row i's created_at: 100 ms apart, as RFC 3339 UTC with microseconds (the
// host's normalized form).
std::string createdAt(int i) {
  const int64_t ms = 1'795'000'000'000 + static_cast<int64_t>(i) * 100;
  const time_t seconds = static_cast<time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[64];  // room for any int the compiler imagines in each field
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000) * 1000);
  return buffer;
}

struct Fixture {
  Fixture() {
    wno::host::Logger::instance().configure(WNO_LOG_ERROR, wno::host::LogFormat::Json);
    wno::host::PluginSpec spec;
    spec.name = "postgres";
    wno::host::PluginRefusal refusal;
    if (!manager.load(spec, {WNO_BENCH_PLUGIN_DIR}, refusal).isOk()) throw std::runtime_error(refusal.line());
    repo = std::move(wno::host::RepositoryInstance::create(manager.find(WNO_KIND_REPOSITORY, "postgres"),
                                                           wno::host::hostApiTable(), &services, "main",
                                                           {{"url", pg.url()}, {"pool_size", 4}}))
               .value();
    define("battles");
    define("copies");
    define("singles");
    // 1,000,000 rows through the plugin's createMany, 50,000 per call; ids
    // 1..1,000,000 in created_at order.
    for (int chunk = 0; chunk < kRows / 50000; ++chunk) insertMany("battles", chunk * 50000, 50000);
    pqxx::connection c(pg.url());
    pqxx::nontransaction(c).exec("ANALYZE battles");
  }

  void define(const std::string& name) {
    const std::string def = json{{"name", name},
                                 {"table", name},
                                 {"versioned", true},
                                 {"fields", {{{"name", "title"}, {"type", "text"}}, {{"name", "creator_id"}, {"type", "int64"}}}}}
                                .dump();
    auto s = repo->call("on_define_collection", repo->vtable().on_define_collection, view(def));
    if (!s.isOk()) throw std::runtime_error(s.message());
  }

  static std::string rowsText(int from, int n) {
    json rows = json::array();
    for (int i = from; i < from + n; ++i) {
      rows.push_back({{"title", "battle " + std::to_string(i)}, {"creator_id", i % 1000},
                      {"created_at", createdAt(i)}, {"version", 1}});
    }
    return rows.dump();
  }
  void insertMany(const std::string& collection, int from, int n) { insertText(collection, rowsText(from, n)); }
  void insertText(const std::string& collection, const std::string& text) {
    std::string ids;
    wno_sink sink{&ids, [](void* c, const char* d, size_t len) -> wno_status {
                    static_cast<std::string*>(c)->assign(d, len);
                    return WNO_OK;
                  }};
    auto s = repo->call("on_insert_many", repo->vtable().on_insert_many, view(collection), view(text), &sink);
    if (!s.isOk()) throw std::runtime_error(s.message());
  }

  size_t query(const json& q) {
    size_t rows = 0;
    wno_sink sink{&rows, [](void* c, const char*, size_t) -> wno_status {
                    ++*static_cast<size_t*>(c);
                    return WNO_OK;
                  }};
    const std::string text = q.dump();
    auto s = repo->call("on_query", repo->vtable().on_query, view(std::string("battles")), view(text), &sink);
    if (!s.isOk()) throw std::runtime_error(s.message());
    return rows;
  }

  wno::test::PostgresServer pg;
  wno::host::HostServices services;
  wno::host::PluginManager manager{wno::host::hostApiTable(), &services};
  std::unique_ptr<wno::host::RepositoryInstance> repo;
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

// Args: page number, sort (0: -id, 1: -created_at).
json sortOf(int64_t which) {
  if (which == 0) return json::array({{{"field", "id"}, {"desc", true}}});
  return json::array({{{"field", "created_at"}, {"desc", true}}, {{"field", "id"}, {"desc", true}}});
}

void BM_KeysetPage(benchmark::State& state) {
  auto& f = fixture();
  const int page = static_cast<int>(state.range(0));
  json q = {{"sort", sortOf(state.range(1))}, {"limit", kPage}, {"filters", json::array()}};
  // The keyset position of the previous page's last row: ids (and their
  // timestamps) count down from kRows.
  if (page > 1) {
    const int lastId = kRows - (page - 1) * kPage + 1;
    q["after"] = state.range(1) == 0 ? json::array({lastId}) : json::array({createdAt(lastId - 1), lastId});
  }
  for (auto _ : state) {
    if (f.query(q) != static_cast<size_t>(kPage)) state.SkipWithError("short page");
  }
  state.SetLabel(state.range(1) == 0 ? "sort=-id" : "sort=-created_at");
}
BENCHMARK(BM_KeysetPage)->Args({1, 0})->Args({kDeepPage, 0})->Args({1, 1})->Args({kDeepPage, 1})->Unit(benchmark::kMicrosecond);

void BM_OffsetPage(benchmark::State& state) {
  auto& f = fixture();
  const int page = static_cast<int>(state.range(0));
  pqxx::connection c(f.pg.url());
  const std::string order = state.range(1) == 0 ? "id DESC" : "created_at DESC, id DESC";
  c.prepare("page", "SELECT id, created_at, version, title, creator_id FROM battles ORDER BY " + order +
                        " LIMIT $1 OFFSET $2");
  for (auto _ : state) {
    pqxx::read_transaction txn(c);
    benchmark::DoNotOptimize(txn.exec_prepared("page", kPage, (page - 1) * kPage).size());
  }
  state.SetLabel(state.range(1) == 0 ? "sort=-id" : "sort=-created_at");
}
BENCHMARK(BM_OffsetPage)->Args({1, 0})->Args({kDeepPage, 0})->Args({1, 1})->Args({kDeepPage, 1})->Unit(benchmark::kMicrosecond);

constexpr int kBulk = 100'000;

void BM_CreateManyPlugin(benchmark::State& state) {
  auto& f = fixture();
  int base = 0;
  for (auto _ : state) {
    // The request body exists before the call (it came over HTTP); the
    // timed part is what the plugin does with it: parse, COPY, commit.
    state.PauseTiming();
    const std::string text = Fixture::rowsText(base, kBulk);
    state.ResumeTiming();
    f.insertText("copies", text);
    base += kBulk;
  }
  state.counters["rows_per_s"] = benchmark::Counter(static_cast<double>(kBulk) * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_CreateManyPlugin)->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();

void BM_InsertPerRow(benchmark::State& state) {
  auto& f = fixture();
  pqxx::connection c(f.pg.url());
  c.prepare("one", "INSERT INTO singles (title, creator_id, created_at, version) VALUES ($1, $2, $3, 1) RETURNING id");
  for (auto _ : state) {
    pqxx::work txn(c);
    for (int i = 0; i < kBulk; ++i) txn.exec_prepared("one", "battle " + std::to_string(i), i % 1000, "2026-11-25T00:00:00Z");
    txn.commit();
  }
  state.counters["rows_per_s"] = benchmark::Counter(static_cast<double>(kBulk) * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_InsertPerRow)->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();

void BM_PsqlCopy(benchmark::State& state) {
  auto& f = fixture();
  const std::string csv = "/tmp/wno-bench-copy-" + std::to_string(::getpid()) + ".csv";
  {
    std::ofstream out(csv);
    for (int i = 0; i < kBulk; ++i) out << "battle " << i << "," << i % 1000 << ",2026-11-25T00:00:00Z,1\n";
  }
  const std::string command = "psql -q '" + f.pg.url() + "' -c \"\\copy copies (title, creator_id, created_at, version) FROM '" + csv + "' WITH (FORMAT csv)\" > /dev/null";
  for (auto _ : state) {
    if (std::system(command.c_str()) != 0) state.SkipWithError("psql \\copy failed");
  }
  std::remove(csv.c_str());
  state.counters["rows_per_s"] = benchmark::Counter(static_cast<double>(kBulk) * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_PsqlCopy)->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
