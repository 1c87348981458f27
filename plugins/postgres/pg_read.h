// Reads run with libpq directly on a pooled connection's session. A
// repository read is one prepared SELECT whose rows become JSON at once;
// through libpqxx each one also built a transaction object and a result
// whose every value read took and dropped a reference, and made one more
// receive system call (libpqxx looks for notifications after every
// statement): about a tenth of the host's CPU on a list page.
// Statements are prepared on the session under names of their own (wnr_N,
// PooledConnection::readPrepared). A lost session marks the connection
// broken, so the pool drops it as it drops one libpqxx found broken.
#pragma once

#include "pg_pool.h"

#include <libpq-fe.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace wno::pg {

struct ResultDeleter {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using ReadResult = std::unique_ptr<PGresult, ResultDeleter>;

// Text parameters in placeholder order; nullopt is NULL.
using TextParams = std::vector<std::optional<std::string>>;

// Runs `sql` (prepared on this session on first use) and returns its rows.
// Throws as libpqxx does for the same failure: pqxx::broken_connection when
// the session is lost, pqxx::sql_error with the SQLSTATE otherwise.
// Needs c.session (a connection connectUntil opened).
ReadResult execRead(PooledConnection& c, const std::string& sql, const TextParams& params);

}  // namespace wno::pg
