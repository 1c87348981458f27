// End-to-end job throughput and latency through real wno-host processes:
// no-op jobs enqueued over HTTP (keep-alive clients), drained by 1 or 2
// hosts on a shared SQLite file or a throwaway PostgreSQL. Prints one JSON
// line per configuration:
//   enqueue_per_s  accepted POST /api/v1/jobs per second (8 clients)
//   drain_per_s    jobs completed per second, first enqueue to last completion
//   latency_*_ms   enqueue -> start (the job's wait_ms) of jobs added one at a
//                  time to idle hosts, p50 / p99
// Usage: jobs_e2e_bench [--jobs N] [--latency-samples N] [--store sqlite|postgres] [--hosts 1|2]
// (defaults: 100000 jobs, 500 samples, every store, 1 and 2 hosts).
#include "postgres_server.h"
#include "process_runner.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Options {
  int jobs = 100000;
  int latencySamples = 500;
  std::vector<std::string> stores = {"sqlite", "postgres"};
  std::vector<int> hostCounts = {1, 2};
};

// One keep-alive connection: the enqueue rate should measure the host, not
// TCP handshakes.
class Client {
 public:
  explicit Client(int port) : session_("127.0.0.1", static_cast<Poco::UInt16>(port)) {
    session_.setKeepAlive(true);
    session_.setTimeout(Poco::Timespan(30, 0));
  }
  int post(const std::string& path, const std::string& body, std::string* out = nullptr) {
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, path, Poco::Net::HTTPMessage::HTTP_1_1);
    request.setKeepAlive(true);
    request.setContentType("application/json");
    request.setContentLength64(static_cast<Poco::Int64>(body.size()));
    session_.sendRequest(request) << body;
    return receive(out);
  }
  int get(const std::string& path, std::string* out) {
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, path, Poco::Net::HTTPMessage::HTTP_1_1);
    request.setKeepAlive(true);
    session_.sendRequest(request);
    return receive(out);
  }

 private:
  int receive(std::string* out) {
    Poco::Net::HTTPResponse response;
    std::istream& in = session_.receiveResponse(response);
    std::string body;
    Poco::StreamCopier::copyToString(in, body);
    if (out) *out = std::move(body);
    return response.getStatus();
  }
  Poco::Net::HTTPClientSession session_;
};

class Cluster {
 public:
  Cluster(const std::string& store, int hosts, wno::test::PostgresServer* pg, const std::string& table)
      : dir_(std::filesystem::temp_directory_path() / ("wno-jobs-bench-" + std::to_string(::getpid()) + "-" + table)) {
    std::filesystem::create_directories(dir_);
    for (int i = 0; i < hosts; ++i) {
      const int port = wno::test::freePort();
      json storeConfig = store == "postgres" ? json{{"url", pg->url()}, {"table", table}}
                                             : json{{"path", (dir_ / "jobs.db").string()}};
      json config = {
          {"http", {{"port", port}, {"access_log", false}, {"threads", 16}}},
          {"log", {{"level", "warn"}}},
          {"plugins", {{"directories", {WNO_BENCH_PLUGIN_DIR, WNO_BENCH_FIXTURE_DIR}},
                       {"load", {{{"name", store}}, {{"name", "test_jobs"}}}}}},
          {"protection", {{"shedding", {{"enabled", false}}}, {"rate_limits", json::array()}}},
          {"jobs", {{"store", {{"type", store}, {"config", storeConfig}}},
                    {"worker_id", "bench-" + std::to_string(i)},
                    {"poll_ms", 50},
                    {"claim_batch", 32},
                    {"queues", {{{"name", "default"}, {"concurrency", 8}}}},
                    {"handlers", {{{"type", "noop"}, {"handler", "test_job"}}}}}}};
      const std::string file = (dir_ / ("host-" + std::to_string(i) + ".json")).string();
      std::ofstream(file) << config.dump();
      hosts_.push_back(wno::test::ChildProcess::start(WNO_BENCH_HOST_BINARY, {"--config", file}));
      ports_.push_back(port);
      waitReady(port, *hosts_.back());
    }
  }
  ~Cluster() {
    hosts_.clear();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  const std::vector<int>& ports() const { return ports_; }

  int64_t completed() {
    std::string body;
    Client(ports_[0]).get("/api/v1/queues", &body);
    auto q = json::parse(body, nullptr, false);
    if (q.is_discarded()) return -1;
    return q["queues"][0]["counts"].value("completed", int64_t{0});
  }

 private:
  static void waitReady(int port, wno::test::ChildProcess& host) {
    for (int i = 0; i < 400 && host.running(); ++i) {
      try {
        if (wno::test::httpRequest(port, "GET", "/readyz").status == 200) return;
      } catch (const std::exception&) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    throw std::runtime_error("host did not start: " + host.err());
  }

  std::filesystem::path dir_;
  std::vector<std::unique_ptr<wno::test::ChildProcess>> hosts_;
  std::vector<int> ports_;
};

double percentile(std::vector<int64_t> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return static_cast<double>(v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))]);
}

json run(const std::string& store, int hostCount, const Options& options, wno::test::PostgresServer* pg, int n) {
  Cluster cluster(store, hostCount, pg, "bench_" + std::to_string(n));
  // Throughput: 8 clients spread over the hosts enqueue as fast as they can.
  constexpr int kClients = 8;
  std::atomic<int> next{0};
  std::atomic<int> refused{0};
  const auto started = Clock::now();
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      Client client(cluster.ports()[static_cast<size_t>(c) % cluster.ports().size()]);
      for (int i = next++; i < options.jobs; i = next++) {
        if (client.post("/api/v1/jobs", R"({"type":"noop"})") != 201) ++refused;
      }
    });
  }
  for (auto& t : clients) t.join();
  const double enqueueSeconds = std::chrono::duration<double>(Clock::now() - started).count();
  // Polled gently: each look is a GROUP BY over the whole store.
  while (cluster.completed() < options.jobs - refused.load()) std::this_thread::sleep_for(std::chrono::milliseconds(250));
  const double drainSeconds = std::chrono::duration<double>(Clock::now() - started).count();

  // Latency: one job at a time into idle hosts; wait_ms is start - run_at.
  std::vector<int64_t> waits;
  Client client(cluster.ports()[0]);
  for (int i = 0; i < options.latencySamples; ++i) {
    std::string body;
    client.post("/api/v1/jobs", R"({"type":"noop","job_id":"lat-)" + std::to_string(i) + R"("})", &body);
    const std::string id = "lat-" + std::to_string(i);
    for (int tries = 0; tries < 2000; ++tries) {
      client.get("/api/v1/jobs/" + id, &body);
      auto j = json::parse(body, nullptr, false);
      if (!j.is_discarded() && j.value("state", "") == "completed") {
        waits.push_back(j["wait_ms"].get<int64_t>());
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return {{"bench", "jobs_e2e"},
          {"store", store},
          {"hosts", hostCount},
          {"jobs", options.jobs},
          {"refused", refused.load()},
          {"enqueue_per_s", static_cast<int64_t>(options.jobs / enqueueSeconds)},
          {"drain_per_s", static_cast<int64_t>(options.jobs / drainSeconds)},
          {"latency_p50_ms", percentile(waits, 0.50)},
          {"latency_p99_ms", percentile(waits, 0.99)},
          {"latency_samples", waits.size()}};
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--jobs") options.jobs = std::atoi(argv[i + 1]);
    else if (flag == "--latency-samples") options.latencySamples = std::atoi(argv[i + 1]);
    else if (flag == "--store") options.stores = {argv[i + 1]};
    else if (flag == "--hosts") options.hostCounts = {std::atoi(argv[i + 1])};
    else {
      std::cerr << "unknown flag " << flag << "\n";
      return 2;
    }
  }
  std::unique_ptr<wno::test::PostgresServer> pg;
  int n = 0;
  for (const auto& store : options.stores) {
    if (store == "postgres" && !pg) pg = std::make_unique<wno::test::PostgresServer>();
    for (int hosts : options.hostCounts) std::cout << run(store, hosts, options, pg.get(), ++n).dump() << std::endl;
  }
  return 0;
}
