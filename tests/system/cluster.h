// The scale-out rig: N wno-host processes (3 by default) on ONE throwaway
// PostgreSQL (repository "main" and the job store) and ONE redis-server
// (L2 cache + backplane, shared rate limits), wired as
// config/production.example.json wires them, driven over HTTP on loopback.
// Each host runs the scriptable test_job handler, whose log file records
// every run of every job on every host (tests/host/fixtures/test_job_handler.cpp).
// THREADS: a Cluster is driven from the test's main thread; HttpClient is
// one connection for one thread; the free functions are thread-safe.
#pragma once

#include "eventually.h"
#include "postgres_server.h"
#include "process_runner.h"
#include "redis_server.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace wno::test::system {

using Clock = std::chrono::steady_clock;
using Headers = std::vector<std::pair<std::string, std::string>>;

double msSince(Clock::time_point start);

// One answer, or why there was none.
struct Reply {
  int status = 0;        // 0: no HTTP response
  std::string body;
  std::string etag;
  std::string connection;  // the Connection header
  std::string retryAfter;
  bool refused = false;  // the connect was refused: nothing reached the host
  std::string error;     // when status == 0
  double ms = 0;         // send to last byte
  nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
};

// A keep-alive HTTP/1.1 client (as a load balancer keeps one per upstream):
// reconnects when the host closed the connection or a request failed.
class HttpClient {
 public:
  explicit HttpClient(int port, std::chrono::seconds timeout = std::chrono::seconds(10));
  ~HttpClient();
  Reply send(const std::string& method, const std::string& path, const std::string& body = "",
             const Headers& headers = {});
  Reply get(const std::string& path, const Headers& headers = {}) { return send("GET", path, "", headers); }
  Reply post(const std::string& path, const nlohmann::json& body, const Headers& headers = {}) {
    return send("POST", path, body.dump(), headers);
  }

 private:
  struct Session;
  int port_;
  std::chrono::seconds timeout_;
  std::unique_ptr<Session> session_;
};

// One line of the test handler's run log.
struct JobRun {
  std::string job;
  int attempt = 0;
  int pid = 0;
  int64_t atMs = 0;
  std::string outcome;  // completed, failed, stopped, invalid
};
std::vector<JobRun> readRuns(const std::string& logPath);

// Rows of `sql` (each value as text, NULL as "") on the PostgreSQL at `url`.
std::vector<std::vector<std::string>> sqlRows(const std::string& url, const std::string& sql);

class Cluster {
 public:
  // `overlay` is merge-patched (RFC 7396) over every host's config.
  explicit Cluster(nlohmann::json overlay = nlohmann::json::object(), int hosts = 3);
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  int size() const { return static_cast<int>(hosts_.size()); }
  int port(int i) const { return hosts_.at(i).port; }
  const std::string& workerId(int i) const { return hosts_.at(i).worker; }
  PostgresServer& postgres() { return *postgres_; }
  RedisServer& redis() { return *redis_; }
  const std::string& runLog() const { return runLog_; }
  std::vector<std::vector<std::string>> sql(const std::string& query) { return sqlRows(postgres_->url(), query); }

  // Host i's effective config file content (base + overlay + extra).
  nlohmann::json config(int i, const nlohmann::json& extra = nlohmann::json::object()) const;
  // (Re)starts host i on its port and waits until /readyz answers 200.
  void start(int i, const nlohmann::json& extra = nlohmann::json::object());
  void startAll(const nlohmann::json& extra = nlohmann::json::object());
  ChildProcess& process(int i) { return *hosts_.at(i).process; }
  // SIGKILL, reaped.
  void kill(int i);
  // SIGTERM; the exit code (-1 when it did not exit within `timeout`).
  int terminate(int i, std::chrono::milliseconds timeout = std::chrono::seconds(30));
  bool running(int i);

  // Convenience over a fresh connection.
  Reply get(int i, const std::string& path, const Headers& headers = {});
  Reply post(int i, const std::string& path, const nlohmann::json& body, const Headers& headers = {});
  // The circuit breaker `name` in host i's /health, or null.
  nlohmann::json breaker(int i, const std::string& name);
  // Host i's L2 (redis) cache stats from /admin/cache/stats.
  nlohmann::json l2Stats(int i);

 private:
  struct Host {
    int port = 0;
    std::string worker;
    std::unique_ptr<ChildProcess> process;
  };
  std::unique_ptr<PostgresServer> postgres_;
  std::unique_ptr<RedisServer> redis_;
  nlohmann::json overlay_;
  std::string dir_;
  std::string runLog_;
  std::vector<Host> hosts_;
};

// Records a measured figure: printed as "[system] <name> = <value>" for the
// run's log and attached to the test's XML result.
void report(const std::string& name, double value);
void report(const std::string& name, const std::string& value);

}  // namespace wno::test::system
