#include "pg_read.h"

#include <pqxx/except>

namespace wno::pg {
namespace {

[[noreturn]] void fail(PooledConnection& c, const PGresult* r, const std::string& sql) {
  std::string message = r ? PQresultErrorMessage(r) : "";
  if (message.empty()) message = PQerrorMessage(c.session);
  if (PQstatus(c.session) != CONNECTION_OK) {
    c.broken = true;
    throw pqxx::broken_connection(message);
  }
  const char* sqlstate = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  throw pqxx::sql_error(message, sql, sqlstate);
}

ReadResult expect(PooledConnection& c, PGresult* raw, ExecStatusType wanted, const std::string& sql) {
  ReadResult r(raw);
  if (!r || PQresultStatus(r.get()) != wanted) fail(c, r.get(), sql);
  return r;
}

const std::string& statementFor(PooledConnection& c, const std::string& sql) {
  if (const std::string* name = c.readPrepared.find(sql)) return *name;
  const std::string& name = c.readPrepared.add(sql, [&c](const std::string& old) {
    const std::string deallocate = "DEALLOCATE " + old;
    expect(c, PQexec(c.session, deallocate.c_str()), PGRES_COMMAND_OK, deallocate);
  });
  try {
    expect(c, PQprepare(c.session, name.c_str(), sql.c_str(), 0, nullptr), PGRES_COMMAND_OK, sql);
  } catch (...) {
    c.readPrepared.forget(sql);
    throw;
  }
  return name;
}

}  // namespace

ReadResult execRead(PooledConnection& c, const std::string& sql, const TextParams& params) {
  if (!c.session) throw pqxx::usage_error("execRead needs the connection's libpq session");
  const std::string& name = statementFor(c, sql);
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  return expect(c,
                PQexecPrepared(c.session, name.c_str(), static_cast<int>(values.size()), values.data(), nullptr,
                               nullptr, /*resultFormat=*/0),
                PGRES_TUPLES_OK, sql);
}

}  // namespace wno::pg
