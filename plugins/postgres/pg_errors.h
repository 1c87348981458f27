// The database failures both postgres components report the same way: it
// did not answer in time. Each component maps the rest in its own words.
#pragma once

#include "pg_pool.h"

#include <wno/common.h>

#include <pqxx/pqxx>

#include <optional>
#include <string>

namespace wno::pg {

struct Failure {
  wno_status status;
  std::string message;
};

// For a lost connection: a timeout if the pool's watchdog closed it (the
// server never answered), nullopt if it really was lost.
inline std::optional<Failure> abandonedByDeadline() {
  const auto deadline = takeAbandonedDeadline();
  if (deadline.count() == 0) return std::nullopt;
  return Failure{WNO_ERR_TIMEOUT, "the database did not answer within " + std::to_string(deadline.count()) +
                                      " ms (statement_timeout_ms plus grace); the connection was closed"};
}

// SQLSTATE 57014: the server cancelled the statement, for statement_timeout
// or because an administrator asked (pg_cancel_backend).
inline std::optional<Failure> cancelledByServer(const pqxx::sql_error& e) {
  if (e.sqlstate() != "57014") return std::nullopt;
  return Failure{WNO_ERR_TIMEOUT, std::string("the database cancelled the statement: ") + e.what()};
}

}  // namespace wno::pg
