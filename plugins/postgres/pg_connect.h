// Opening a connection that waits patiently and can still be stopped.
// libpq's blocking connect cannot be interrupted: a pool opener inside it
// holds the host's shutdown for as long as connect_timeout. This drives
// libpq's non-blocking connect instead, looks at a stop flag between
// waits, and hands the finished session to libpqxx.
#pragma once

#include <libpq-fe.h>
#include <pqxx/pqxx>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace wno::pg {

// A libpqxx connection policy that adopts the session connectUntil opened.
// Constructed without one (or should libpqxx reopen the connection by
// itself, which it may do for a broken one) it connects the way
// pqxx::connection does, blocking up to the URL's connect_timeout.
class AdoptConnected : public pqxx::connectionpolicy {
 public:
  explicit AdoptConnected(const std::string& options) : connectionpolicy(options) {}
  handle do_startconnect(handle orig) override;
};

// The plugin's connection type. Held by this type, never by
// pqxx::connection_base: libpqxx 6 gives that no virtual destructor.
using Connection = pqxx::basic_connection_base<AdoptConnected>;

// Connects to `conninfo` (a URL or key=value string). Gives up at
// `deadline`, or within about 100 ms of `stopRequested()` turning true.
// Throws pqxx::broken_connection with libpq's message, or saying how long
// it waited and in which phase. `session`, if given, receives the libpq
// session the returned connection runs on.
std::unique_ptr<Connection> connectUntil(const std::string& conninfo,
                                        std::chrono::steady_clock::time_point deadline,
                                        const std::function<bool()>& stopRequested, PGconn** session = nullptr);

// Where a connection attempt is, so "timed out" says whether the server
// never accepted, never answered the startup packet, or was slow to start
// the session.
const char* connectPhase(const PGconn* c);

// libpq's last message for `c` without its trailing newline ("out of
// memory" for no connection at all, "connection failed" for no message).
std::string connectionMessage(const PGconn* c);

}  // namespace wno::pg
