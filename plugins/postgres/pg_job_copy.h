// New jobs written through COPY: a big batch of all-new ids (the usual
// case, the host makes the ids) streams to the server in PostgreSQL's text
// format, the jobs and then their ids, in the caller's transaction. In
// 5,000-row batches that took 40 % less server time than INSERT ... SELECT
// FROM unnest(arrays) (7.4 against 12 us a row): no arrays to parse, and
// rows go in many to a page write. Seqs are drawn from the jobs table's
// identity sequence first, in one round trip, in array order (enqueue
// order). A duplicate id fails the ids' COPY as a unique violation, and the
// caller's transaction with it. THREADS: uses only the transaction it is given.
#pragma once

#include "jobs/job_record.h"

#include <pqxx/pqxx>

#include <string>
#include <string_view>
#include <vector>

namespace wno::pg {

struct JobTables {
  std::string jobs;      // quoted
  std::string ids;       // quoted
  std::string sequence;  // the jobs' seq identity sequence, as regclass text
};

void copyNewJobs(pqxx::work& txn, const JobTables& tables, const std::vector<jobs::JobRecord>& batch);

}  // namespace wno::pg
