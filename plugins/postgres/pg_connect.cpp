#include "pg_connect.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <utility>

namespace wno::pg {
namespace {

using Clock = std::chrono::steady_clock;

// The session connectUntil finished, waiting for the libpqxx connection
// being constructed on the same thread to take it.
thread_local PGconn* handedOver = nullptr;

struct ConnCloser {
  void operator()(PGconn* c) const { PQfinish(c); }
};

}  // namespace

AdoptConnected::handle AdoptConnected::do_startconnect(handle orig) {
  if (orig) return orig;
  if (handle adopted = std::exchange(handedOver, nullptr)) return adopted;
  return normalconnect(orig);
}

std::string connectionMessage(const PGconn* c) {
  std::string m = c ? PQerrorMessage(c) : "out of memory";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m.empty() ? "connection failed" : m;
}

const char* connectPhase(const PGconn* c) {
  switch (PQstatus(c)) {
    case CONNECTION_STARTED: return "waiting for the TCP connection";
    case CONNECTION_MADE: return "connected, sending the startup packet";
    case CONNECTION_AWAITING_RESPONSE: return "waiting for the server's answer to the startup packet";
    case CONNECTION_AUTH_OK: return "authenticated, waiting for the backend to start";
    case CONNECTION_SSL_STARTUP: return "negotiating SSL";
    case CONNECTION_GSS_STARTUP: return "negotiating GSSAPI encryption";
    case CONNECTION_SETENV: return "negotiating settings";
    case CONNECTION_CHECK_WRITABLE: return "checking the session is writable";
    case CONNECTION_CONSUME: return "consuming remaining results";
    default: return "connecting";
  }
}

std::unique_ptr<Connection> connectUntil(const std::string& conninfo, Clock::time_point deadline,
                                         const std::function<bool()>& stopRequested, PGconn** session) {
  constexpr auto kStopCheckEvery = std::chrono::milliseconds(100);
  const auto started = Clock::now();
  std::unique_ptr<PGconn, ConnCloser> conn(PQconnectStart(conninfo.c_str()));
  if (!conn) throw std::bad_alloc();
  if (PQstatus(conn.get()) == CONNECTION_BAD) throw pqxx::broken_connection(connectionMessage(conn.get()));
  PostgresPollingStatusType state = PGRES_POLLING_WRITING;
  while (state != PGRES_POLLING_OK) {
    if (state == PGRES_POLLING_FAILED) throw pqxx::broken_connection(connectionMessage(conn.get()));
    for (;;) {
      if (stopRequested()) throw pqxx::broken_connection("connect abandoned: the pool is closing");
      const auto now = Clock::now();
      if (now >= deadline) {
        const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(now - started);
        throw pqxx::broken_connection("connect timed out after " + std::to_string(waited.count()) + " ms (" +
                                      connectPhase(conn.get()) + ")");
      }
      const auto slice = std::min<Clock::duration>(kStopCheckEvery, deadline - now);
      pollfd p{PQsocket(conn.get()), static_cast<short>(state == PGRES_POLLING_READING ? POLLIN : POLLOUT), 0};
      const int n = ::poll(&p, 1, static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(slice).count()));
      if (n > 0 || (n < 0 && errno != EINTR)) break;  // ready, or a socket error libpq will report
    }
    state = PQconnectPoll(conn.get());
  }
  PGconn* const adopted = conn.release();
  handedOver = adopted;
  try {
    auto connection = std::make_unique<Connection>(conninfo);
    if (session) *session = handedOver == nullptr ? adopted : nullptr;  // taken by do_startconnect, or not ours
    return connection;
  } catch (...) {
    if (handedOver) PQfinish(std::exchange(handedOver, nullptr));  // libpqxx never took it
    throw;
  }
}

}  // namespace wno::pg
