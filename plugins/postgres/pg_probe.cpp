// libpq directly rather than libpqxx: its asynchronous connect and query
// calls let every step wait on the socket with the probe's own deadline, so
// a server that accepts but never answers costs the timeout, not the TCP
// default. (libpq's connect_timeout counts whole seconds, at least 2.)
#include "pg_probe.h"

#include "pg_connect.h"
#include "pg_liveness.h"

#include <wno/sdk/config.hpp>

#include <nlohmann/json.hpp>

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <optional>
#include <set>
#include <vector>

namespace wno::pg {

// Why a step failed; the connection's own message when it has one.
struct ProbeFailure {
  std::string message;
  bool timedOut = false;
};

// Of the connections the server allows ordinary roles, how many are in use.
struct ConnectionUse {
  long long used = 0;
  long long usable = 1;
  double load = 0;
};

namespace {

using Clock = std::chrono::steady_clock;
using Failure = ProbeFailure;

struct ResultClear {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultClear>;

// Waits until the socket is ready for `events` or the deadline passes.
bool waitSocket(PGconn* c, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{PQsocket(c), events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return true;  // let libpq report the socket error
  }
}

// Runs one query to completion within the deadline. A query that runs out
// of time is not cancelled: PQcancel opens a blocking connection of its own
// (to the same postmaster that may be the reason we are late); the caller
// drops the session instead, which ends the backend's work just as well.
std::optional<Failure> query(PGconn* c, const char* sql, Clock::time_point deadline, ResultPtr& out) {
  if (PQsendQuery(c, sql) != 1) return Failure{connectionMessage(c)};
  for (;;) {
    const int flushed = PQflush(c);
    if (flushed == 0) break;
    if (flushed < 0) return Failure{connectionMessage(c)};
    if (!waitSocket(c, POLLOUT, deadline)) return Failure{"query timed out", true};
  }
  out.reset();
  for (;;) {
    while (PQisBusy(c)) {
      if (!waitSocket(c, POLLIN, deadline)) return Failure{"query timed out", true};
      if (PQconsumeInput(c) != 1) return Failure{connectionMessage(c)};
    }
    ResultPtr r(PQgetResult(c));
    if (!r) break;  // the end of this query's results
    const ExecStatusType status = PQresultStatus(r.get());
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      std::string m = PQresultErrorMessage(r.get());
      while (!m.empty() && m.back() == '\n') m.pop_back();
      return Failure{m};
    }
    out = std::move(r);
  }
  if (!out) return Failure{"the server returned no result"};
  return std::nullopt;
}

double msSince(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

// Starts a connection attempt without waiting for it. The liveness settings
// come before the URL (dbname, expanded) so that the URL's own, if it has
// any, win.
PGconn* startConnection(const std::string& url) {
  std::vector<const char*> keys, values;
  for (const auto& setting : kLivenessSettings) {
    keys.push_back(setting.key);
    values.push_back(setting.value);
  }
  keys.insert(keys.end(), {"dbname", "application_name", nullptr});
  values.insert(values.end(), {url.c_str(), "wno-health-probe", nullptr});
  return PQconnectStartParams(keys.data(), values.data(), 1);
}

// Where we are connected, never the URL: it may carry a password.
void describeSession(PGconn* conn, nlohmann::json& details) {
  details["host"] = PQhost(conn);
  details["port"] = PQport(conn);
  details["database"] = PQdb(conn);
  details["server_version"] = PQparameterStatus(conn, "server_version") ? PQparameterStatus(conn, "server_version") : "";
}

// Every client backend counts, this probe's own included: it is what the
// server has left for new connections that matters.
std::optional<Failure> readConnectionUse(PGconn* conn, Clock::time_point deadline, ConnectionUse& use,
                                         nlohmann::json& details) {
  ResultPtr result;
  if (auto f = query(conn,
                     "SELECT (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'),"
                     " current_setting('max_connections')::int,"
                     " current_setting('superuser_reserved_connections')::int,"
                     " pg_is_in_recovery()",
                     deadline, result)) {
    return f;
  }
  use.used = std::stoll(PQgetvalue(result.get(), 0, 0));
  const long long max = std::stoll(PQgetvalue(result.get(), 0, 1));
  const long long reserved = std::stoll(PQgetvalue(result.get(), 0, 2));
  // Ordinary roles can use max_connections minus the reserved slots.
  use.usable = std::max(1LL, max - reserved);
  use.load = std::min(1.0, static_cast<double>(use.used) / static_cast<double>(use.usable));
  details["connections_used"] = use.used;
  details["max_connections"] = max;
  details["superuser_reserved_connections"] = reserved;
  details["connections_fraction"] = use.load;
  details["in_recovery"] = PQgetvalue(result.get(), 0, 3)[0] == 't';
  return std::nullopt;
}

}  // namespace

PostgresProbe::PostgresProbe(wno::sdk::Host, std::string_view configJson) {
  const nlohmann::json c =
      wno::sdk::ComponentConfig(configJson, {"degraded_connections_above", "degraded_latency_ms", "url"}).json();
  if (!c.contains("url") || !c["url"].is_string() || c["url"].get<std::string>().empty()) {
    throw wno::sdk::invalid("url: expected postgresql://user:password@host:port/database");
  }
  url_ = c["url"].get<std::string>();
  activity_ = &activityFor(url_);
  // Checked here so a typo fails at start, not at the first check.
  char* error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(url_.c_str(), &error);
  if (parsed == nullptr) {
    std::string why = error ? error : "unparseable";
    if (error) PQfreemem(error);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    throw wno::sdk::invalid("url: " + why);
  }
  PQconninfoFree(parsed);
  if (c.contains("degraded_latency_ms")) {
    if (!c["degraded_latency_ms"].is_number_integer() || c["degraded_latency_ms"].get<int64_t>() < 1) {
      throw wno::sdk::invalid("degraded_latency_ms: expected a positive integer");
    }
    degradedLatencyMs_ = c["degraded_latency_ms"].get<int64_t>();
  }
  if (c.contains("degraded_connections_above")) {
    const auto& v = c["degraded_connections_above"];
    if (!v.is_number() || v.get<double>() <= 0 || v.get<double>() > 1) {
      throw wno::sdk::invalid("degraded_connections_above: expected a fraction above 0, at most 1");
    }
    degradedConnectionsAbove_ = v.get<double>();
  }
}

void PostgresProbe::ConnClose::operator()(PGconn* c) const { PQfinish(c); }

PostgresProbe::~PostgresProbe() = default;

namespace {
// A connection attempt older than this is given up and started afresh.
// A server that is gone ends the attempt sooner by itself (the liveness
// settings, pg_liveness.h); one that is alive but slow to hand out sessions
// (restarting, starved of CPU) is better waited for than left: a new
// attempt joins the back of its queue.
constexpr auto kAbandonConnectAfter = std::chrono::seconds(60);
}  // namespace

wno::sdk::ProbeReport PostgresProbe::check(std::chrono::milliseconds timeout) {
  const auto started = Clock::now();
  const auto deadline = started + timeout;
  nlohmann::json details = nlohmann::json::object();

  // One retry: a kept session found dead (the server restarted) is replaced
  // within the same check, so a restart costs one check, not two.
  for (int attempt = 0;; ++attempt) {
    if (conn_ && connected_ && PQstatus(conn_.get()) == CONNECTION_BAD) dropSession();
    const bool reused = connected_;
    if (!connected_) {
      if (auto f = connect(deadline, details)) return down(*f, timeout, details);
    }
    details["session_reused"] = reused;
    PGconn* conn = conn_.get();
    describeSession(conn, details);

    // Any failure ends the session: after an error the server may have sent
    // (a FATAL at a planned shutdown) its state is unknown, and libpq can
    // still call it CONNECTION_OK while every later query fails with
    // "another command is already in progress".
    ResultPtr result;
    const auto queryStarted = Clock::now();
    if (auto f = query(conn, "SELECT 1", deadline, result)) {
      dropSession();
      // A kept session that failed at once most likely died with a server
      // restart: replace it within this check while there is time.
      if (reused && attempt == 0 && !f->timedOut && Clock::now() < deadline) continue;
      return down(*f, timeout, details);
    }
    const double queryMs = msSince(queryStarted);
    details["query_ms"] = queryMs;
    ConnectionUse use;
    if (auto f = readConnectionUse(conn, deadline, use, details)) {
      dropSession();
      return down(*f, timeout, details);
    }
    details["latency_ms"] = msSince(started);
    // The queries on the session, not a (re)connect: one slow connect after
    // a restart or at start says nothing about how the server answers.
    return up(use, queryMs, msSince(queryStarted), details);
  }
}

std::optional<ProbeFailure> PostgresProbe::connect(Clock::time_point deadline, nlohmann::json& details) {
  if (!conn_) {
    conn_.reset(startConnection(url_));
    connectStarted_ = Clock::now();
    pollState_ = PGRES_POLLING_WRITING;
    if (!conn_ || PQstatus(conn_.get()) == CONNECTION_BAD) {
      Failure f{connectionMessage(conn_.get())};
      dropSession();
      return f;
    }
  }
  // Drive the attempt (this check's or an earlier one's) until it is done,
  // fails or this check's time is up.
  while (pollState_ != PGRES_POLLING_OK) {
    if (pollState_ == PGRES_POLLING_FAILED) {
      Failure f{connectionMessage(conn_.get())};
      dropSession();
      return f;
    }
    if (!waitSocket(conn_.get(), pollState_ == PGRES_POLLING_READING ? POLLIN : POLLOUT, deadline)) {
      const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - connectStarted_);
      Failure f{std::string("connect timed out (") + connectPhase(conn_.get()) + ", attempt " +
                    std::to_string(waited.count()) + " ms old)",
                true};
      if (Clock::now() - connectStarted_ > kAbandonConnectAfter) dropSession();  // else: the next check goes on with it
      return f;
    }
    pollState_ = PQconnectPoll(conn_.get());
  }
  if (PQsetnonblocking(conn_.get(), 1) != 0) {
    Failure f{connectionMessage(conn_.get())};
    dropSession();
    return f;
  }
  connected_ = true;
  details["connect_ms"] = std::chrono::duration<double, std::milli>(Clock::now() - connectStarted_).count();
  return std::nullopt;
}

void PostgresProbe::dropSession() {
  conn_.reset();
  connected_ = false;
}

wno::sdk::ProbeReport PostgresProbe::down(const ProbeFailure& f, std::chrono::milliseconds timeout,
                                          nlohmann::json& details) const {
  wno::sdk::ProbeReport r;
  r.status = WNO_HEALTH_DOWN;
  r.message = f.timedOut ? f.message + " after " + std::to_string(timeout.count()) + " ms" : f.message;
  // The probe's own session failed, but this host's pools got answers
  // from the same server just now: the host works, so it stays ready
  // (degraded, with both facts) instead of leaving the load balancer.
  const int64_t sinceSuccess = activity_->msSinceSuccess();
  if (sinceSuccess >= 0 && sinceSuccess <= std::max<int64_t>(1000, 2 * timeout.count())) {
    r.status = WNO_HEALTH_DEGRADED;
    r.message = "probe session: " + r.message + "; this host's queries succeed (last " + std::to_string(sinceSuccess) + " ms ago)";
    details["pool_success_ms_ago"] = sinceSuccess;
  }
  r.detailsJson = details.dump();
  return r;
}

wno::sdk::ProbeReport PostgresProbe::up(const ConnectionUse& use, double queryMs, double queriesMs,
                                        const nlohmann::json& details) const {
  wno::sdk::ProbeReport r;
  r.load = use.load;
  r.status = WNO_HEALTH_UP;
  r.message = "SELECT 1 in " + std::to_string(static_cast<int>(queryMs + 0.5)) + " ms, " + std::to_string(use.used) +
              "/" + std::to_string(use.usable) + " connections";
  if (use.load > degradedConnectionsAbove_) {
    r.status = WNO_HEALTH_DEGRADED;
    r.message = "connections nearly exhausted: " + std::to_string(use.used) + " of " + std::to_string(use.usable) +
                " in use";
  } else if (queriesMs > static_cast<double>(degradedLatencyMs_)) {
    r.status = WNO_HEALTH_DEGRADED;
    r.message = "slow: the queries took " + std::to_string(static_cast<int>(queriesMs)) + " ms (above " +
                std::to_string(degradedLatencyMs_) + " ms)";
  }
  r.detailsJson = details.dump();
  return r;
}

}  // namespace wno::pg
