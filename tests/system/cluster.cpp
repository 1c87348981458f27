#include "cluster.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace wno::test::system {

using nlohmann::json;

double msSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

struct HttpClient::Session {
  Session(int port, std::chrono::seconds timeout) : http("127.0.0.1", static_cast<Poco::UInt16>(port)) {
    http.setKeepAlive(true);
    http.setTimeout(Poco::Timespan(static_cast<long>(timeout.count()), 0));
  }
  Poco::Net::HTTPClientSession http;
};

HttpClient::HttpClient(int port, std::chrono::seconds timeout) : port_(port), timeout_(timeout) {}
HttpClient::~HttpClient() = default;

Reply HttpClient::send(const std::string& method, const std::string& path, const std::string& body,
                       const Headers& headers) {
  Reply r;
  const auto start = Clock::now();
  try {
    if (!session_) session_ = std::make_unique<Session>(port_, timeout_);
    Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    request.setKeepAlive(true);
    for (const auto& [k, v] : headers) request.set(k, v);
    if (!body.empty() || method == "POST" || method == "PATCH") {
      request.setContentLength64(static_cast<Poco::Int64>(body.size()));
      request.setContentType("application/json");
    }
    session_->http.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session_->http.receiveResponse(response);
    Poco::StreamCopier::copyToString(in, r.body);
    r.status = response.getStatus();
    r.etag = response.get("ETag", "");
    r.connection = response.get("Connection", "");
    r.retryAfter = response.get("Retry-After", "");
    // The host asked to reconnect (it drains): the next request opens anew.
    if (!response.getKeepAlive()) session_.reset();
  } catch (const Poco::Net::ConnectionRefusedException& e) {
    r.refused = true;
    r.error = e.displayText();
    session_.reset();
  } catch (const Poco::Exception& e) {
    r.error = e.displayText();
    session_.reset();
  } catch (const std::exception& e) {
    r.error = e.what();
    session_.reset();
  }
  r.ms = msSince(start);
  return r;
}

std::vector<JobRun> readRuns(const std::string& logPath) {
  std::vector<JobRun> runs;
  std::ifstream in(logPath);
  JobRun r;
  while (in >> r.job >> r.attempt >> r.pid >> r.atMs >> r.outcome) runs.push_back(r);
  return runs;
}

std::vector<std::vector<std::string>> sqlRows(const std::string& url, const std::string& sql) {
  pqxx::connection c(url);
  pqxx::nontransaction tx(c);
  const pqxx::result result = tx.exec(sql);
  std::vector<std::vector<std::string>> rows;
  for (const auto& row : result) {
    std::vector<std::string> values;
    for (const auto& field : row) values.emplace_back(field.is_null() ? "" : field.c_str());
    rows.push_back(std::move(values));
  }
  return rows;
}

Cluster::Cluster(json overlay, int hosts) : overlay_(std::move(overlay)) {
  static int n = 0;
  const auto dir = std::filesystem::temp_directory_path() /
                   ("wno-system-" + std::to_string(::getpid()) + "-" + std::to_string(++n));
  std::filesystem::create_directories(dir);
  dir_ = dir.string();
  runLog_ = (dir / "runs.log").string();
  postgres_ = std::make_unique<PostgresServer>();
  redis_ = std::make_unique<RedisServer>();
  // The throwaway server commits asynchronously for speed; these tests
  // assert that acknowledged writes survive a crash, which is only
  // PostgreSQL's promise with synchronous commits (the production default).
  sql("ALTER DATABASE postgres SET synchronous_commit = on");
  for (int i = 0; i < hosts; ++i) {
    Host h;
    h.port = freePort();
    h.worker = std::string("host-") + static_cast<char>('a' + i);
    hosts_.push_back(std::move(h));
  }
}

Cluster::~Cluster() {
  // Whatever the scenario did, a SIGTERM still stops each host cleanly
  // (under ASan this is also where leaks would be reported).
  for (int i = 0; i < size(); ++i) {
    if (!running(i)) continue;
    const int code = terminate(i, std::chrono::seconds(20));
    if (code != 0) {
      const std::string err = process(i).err();
      ADD_FAILURE() << workerId(i) << " exited " << code << " on SIGTERM: "
                    << err.substr(err.size() > 4000 ? err.size() - 4000 : 0);
    }
  }
  hosts_.clear();
  redis_.reset();
  postgres_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

json Cluster::config(int i, const json& extra) const {
  const std::string pg = postgres_->url();
  const std::string redis = redis_->url();
  const json breaker = {{"failure_threshold", 3}, {"open_ms", 500}};
  json c = {
      {"http", {{"port", port(i)}, {"access_log", false}, {"threads", 16}, {"shutdown_grace_ms", 5000}}},
      {"log", {{"level", "warn"}}},
      {"plugins",
       {{"directories", {WNO_TEST_PLUGIN_DIR, WNO_FIXTURE_PLUGIN_DIR}},
        {"load", {{{"name", "memory_cache"}}, {{"name", "redis"}}, {{"name", "postgres"}}, {{"name", "test_jobs"}}}}}},
      {"cache",
       {{"levels", {{{"name", "l1"}, {"backend", "memory"}},
                    {{"name", "l2"}, {"backend", "redis"}, {"config", {{"url", redis}}}}}},
        {"breaker", breaker}}},
      {"data",
       {{"repositories", {{{"name", "main"},
                           {"type", "postgres"},
                           {"config", {{"url", pg}, {"pool_size", 8}, {"pool_wait_ms", 500}}},
                           {"breaker", breaker}}}},
        {"cursor_secret", "system"},
        {"collections",
         {{"battles", {{"versioned", true},
                       {"fields", {{"title", {{"type", "text"}, {"required", true}}},
                                   {"votes", {{"type", "int64"}, {"default", 0}}}}},
                       {"filterable", {"votes"}},
                       {"cache", {{"ttl_ms", 600000}}}}}}}}},
      {"jobs",
       {{"store", {{"type", "postgres"}, {"config", {{"url", pg}, {"table", "jobs"}}}}},
        {"worker_id", workerId(i)},
        {"lease_ms", 1500},
        {"heartbeat_ms", 300},
        {"poll_ms", 50},
        {"recover_interval_ms", 300},
        {"shutdown_grace_ms", 5000},
        {"queues", {{{"name", "default"}, {"concurrency", 8}}}},
        {"handlers", {{{"type", "work"}, {"handler", "test_job"}, {"config", {{"log_path", runLog_}}}}}}}},
      {"health",
       {{"probes", {{{"name", "postgres"},
                     {"type", "postgres"},
                     {"interval_ms", 100},
                     {"timeout_ms", 500},
                     {"required", true},
                     {"config", {{"url", pg}}}},
                    {{"name", "redis"}, {"type", "redis"}, {"interval_ms", 200}, {"timeout_ms", 200},
                     {"config", {{"url", redis}}}}}}}}};
  c.merge_patch(overlay_);
  c.merge_patch(extra);
  return c;
}

void Cluster::start(int i, const json& extra) {
  static int n = 0;
  Host& h = hosts_.at(i);
  if (h.process && h.process->running()) throw std::runtime_error(h.worker + " is already running");
  const std::string file = writeTempFile(h.worker + "-" + std::to_string(++n) + ".json", config(i, extra).dump());
  h.process = startReadyHost(file, h.port, {}, {}, std::chrono::seconds(30));
}

void Cluster::startAll(const json& extra) {
  for (int i = 0; i < size(); ++i) start(i, extra);
}

void Cluster::kill(int i) {
  Host& h = hosts_.at(i);
  h.process->signal(SIGKILL);
  h.process->wait(std::chrono::seconds(10));
}

int Cluster::terminate(int i, std::chrono::milliseconds timeout) {
  Host& h = hosts_.at(i);
  h.process->signal(SIGTERM);
  return h.process->wait(timeout);
}

bool Cluster::running(int i) {
  const Host& h = hosts_.at(i);
  return h.process && h.process->running();
}

Reply Cluster::get(int i, const std::string& path, const Headers& headers) {
  return HttpClient(port(i)).get(path, headers);
}

Reply Cluster::post(int i, const std::string& path, const json& body, const Headers& headers) {
  return HttpClient(port(i)).post(path, body, headers);
}

json Cluster::breaker(int i, const std::string& name) {
  const json health = get(i, "/health").json();
  if (!health.is_object()) return nullptr;
  for (const auto& b : health.value("breakers", json::array())) {
    if (b.value("name", "") == name) return b;
  }
  return nullptr;
}

json Cluster::l2Stats(int i) {
  const json stats = get(i, "/admin/cache/stats").json();
  if (!stats.is_object() || !stats.contains("levels") || stats["levels"].size() < 2) return nullptr;
  return stats["levels"][1]["stats"];
}

void report(const std::string& name, const std::string& value) {
  std::cout << "[system] " << name << " = " << value << std::endl;
  ::testing::Test::RecordProperty(name, value);
}

void report(const std::string& name, double value) {
  std::ostringstream text;
  text << std::fixed;
  text.precision(value == static_cast<double>(static_cast<int64_t>(value)) ? 0 : 2);
  text << value;
  report(name, text.str());
}

}  // namespace wno::test::system
