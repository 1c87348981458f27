// Job store throughput through the C ABI, as the host calls it: the real
// memory, sqlite and postgres plugins (.so) loaded by the host's plugin
// manager. Enqueue (a new job per call) and claim + complete (batches of 1
// and 10), on 1 and 4 threads sharing one queue; renewing 1,000 leases one
// by one or in one call (ABI 1.3). SQLite is a file in /tmp
// (WAL, synchronous=NORMAL); PostgreSQL a throwaway local server with
// fsync off (see tests/support/postgres_server.h), so its numbers show the
// statements' cost, not a disk's.
#include "../tests/plugins/job_stores/job_store_client.h"
#include "core/logger.h"
#include "postgres_server.h"

#include <benchmark/benchmark.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>

namespace {

using wno::test::json;
using wno::test::JobStoreClient;

constexpr int64_t kNow = 1'700'000'000'000;

const std::filesystem::path& sqliteDir() {
  static const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("wno-job-bench-" + std::to_string(::getpid()));
  return dir;
}

// Members go in reverse: the stores close before the server stops and before
// the plugins (and the host services their instances point at) go away.
struct Stores {
  wno::test::JobStorePlugins plugins{WNO_BENCH_PLUGIN_DIR};
  std::unique_ptr<wno::test::PostgresServer> postgres;
  std::map<std::string, std::unique_ptr<JobStoreClient>> open;
};

JobStoreClient& store(const std::string& name) {
  static Stores stores;
  auto& slot = stores.open[name];
  if (!slot) {
    json config = json::object();
    if (name == "sqlite") config = {{"path", (sqliteDir() / "jobs.db").string()}};
    if (name == "postgres") {
      if (!stores.postgres) stores.postgres = std::make_unique<wno::test::PostgresServer>();
      config = {{"url", stores.postgres->url()}, {"pool_size", 8}};
    }
    auto opened = stores.plugins.open(name, config);
    if (!opened.isOk()) throw std::runtime_error(opened.status().message());
    slot = std::move(opened).value();
  }
  return *slot;
}

json job(const std::string& id, const std::string& queue, int priority) {
  return {{"id", id},
          {"type", "send_notification"},
          {"queue", queue},
          {"priority", priority},
          {"data", {{"user_id", 42}, {"text", "gm, your battle starts in 5 minutes"}}},
          {"max_attempts", 3},
          {"backoff", {{"type", "exponential"}, {"delay_ms", 1000}, {"jitter", 0.2}}},
          {"timeout_ms", 30000},
          {"run_at_ms", kNow},
          {"created_at_ms", kNow}};
}

std::atomic<uint64_t> nextId{0};

std::string uniqueId(const char* prefix) { return std::string(prefix) + std::to_string(nextId++); }

void BM_Enqueue(benchmark::State& state, const std::string& name) {
  JobStoreClient& s = store(name);
  const std::string queue = "enqueue";
  for (auto _ : state) {
    auto r = s.enqueue(job(uniqueId("e"), queue, static_cast<int>(nextId % 4)));
    if (!r.created) state.SkipWithError(r.status.message().c_str());
  }
  state.SetItemsProcessed(state.iterations());
}

// Each run gets its own queue, filled by thread 0 before the timed loop
// (the threads meet at the loop's start, so the fill is not timed).
std::string claimQueue;

void BM_ClaimComplete(benchmark::State& state, const std::string& name) {
  JobStoreClient& s = store(name);
  const auto batch = static_cast<uint32_t>(state.range(0));
  if (state.thread_index() == 0) {
    claimQueue = uniqueId("claim");
    const int64_t jobs = static_cast<int64_t>(state.max_iterations) * state.threads() * batch;
    for (int64_t i = 0; i < jobs; ++i) s.enqueue(job(uniqueId("c"), claimQueue, static_cast<int>(i % 4)));
  }
  const std::string worker = "bench-" + std::to_string(state.thread_index());
  int64_t done = 0;
  for (auto _ : state) {
    for (const auto& j : s.claim(claimQueue, worker, batch, kNow, 60000)) {
      const auto status = s.complete(j["id"], worker, kNow + 1, "{\"sent\":true}");
      if (!status.isOk()) state.SkipWithError(status.message().c_str());
      ++done;
    }
  }
  state.SetItemsProcessed(done);
}

// A host's lease keeper: 1,000 held jobs renewed per heartbeat interval,
// one on_heartbeat per job (range 0) or one on_heartbeat_many (range 1).
void BM_RenewLeases(benchmark::State& state, const std::string& name) {
  JobStoreClient& s = store(name);
  constexpr uint32_t kHeld = 1000;
  const std::string queue = uniqueId("renew");
  for (uint32_t i = 0; i < kHeld; ++i) s.enqueue(job(uniqueId("r"), queue, 2));
  std::vector<std::string> ids;
  for (const auto& j : s.claim(queue, "keeper", kHeld, kNow, 60000)) ids.push_back(j["id"]);
  int64_t now = kNow;
  for (auto _ : state) {
    ++now;
    if (state.range(0) == 0) {
      for (const auto& id : ids) {
        if (!s.heartbeat(id, "keeper", now, 60000).isOk()) state.SkipWithError("a renewal was refused");
      }
    } else {
      const auto r = s.heartbeatMany("keeper", ids, now, 60000);
      if (!r.status.isOk()) state.SkipWithError(r.status.message().c_str());
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(ids.size()));
}

void registerAll() {
  struct Plan {
    const char* store;
    int64_t claimIterations;  // fixed, so the fill is known ahead
  };
  for (const Plan& p : {Plan{"memory", 20000}, Plan{"sqlite", 3000}, Plan{"postgres", 1500}}) {
    const std::string name = p.store;
    for (int threads : {1, 4}) {
      benchmark::RegisterBenchmark(("BM_Enqueue/" + name).c_str(), BM_Enqueue, name)
          ->Threads(threads)
          ->UseRealTime();
      benchmark::RegisterBenchmark(("BM_ClaimComplete/" + name).c_str(), BM_ClaimComplete, name)
          ->Arg(1)
          ->Arg(10)
          ->Iterations(p.claimIterations / threads)
          ->Threads(threads)
          ->UseRealTime();
    }
    benchmark::RegisterBenchmark(("BM_RenewLeases/" + name).c_str(), BM_RenewLeases, name)
        ->Arg(0)
        ->Arg(1)
        ->UseRealTime();
  }
}

}  // namespace

int main(int argc, char** argv) {
  wno::host::Logger::instance().configure(WNO_LOG_ERROR, wno::host::LogFormat::Json);
  registerAll();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::error_code ec;
  std::filesystem::remove_all(sqliteDir(), ec);
  return 0;
}
