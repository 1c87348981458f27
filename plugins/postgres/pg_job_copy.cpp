#include "pg_job_copy.h"

#include "pg_copy.h"

#include <nlohmann/json.hpp>
#include <pqxx/tablewriter>

namespace wno::pg {
namespace {

// As the statement path binds text (pg_array.h).
constexpr NulBytes kNul = NulBytes::AsReplacement;

}  // namespace

void copyNewJobs(pqxx::work& txn, const JobTables& tables, const std::vector<jobs::JobRecord>& batch) {
  if (batch.empty()) return;
  const auto reserved = txn.exec_params("SELECT nextval($1::regclass) FROM generate_series(1, $2::bigint)",
                                        tables.sequence, static_cast<int64_t>(batch.size()));
  std::vector<std::string> seqs;
  seqs.reserve(reserved.size());
  for (const auto& r : reserved) seqs.emplace_back(r[0].c_str());
  if (seqs.size() != batch.size()) throw std::runtime_error("job store: the seq sequence gave too few values");
  // libpqxx 6.4's stream_to takes rows as fixed-arity tuples only; its older
  // tablewriter takes raw lines, escaped here (appendCopyField, pg_copy.h).
  static const std::vector<std::string> jobColumns = {
      "seq",          "id",           "type",           "queue",      "priority",  "data",
      "state",        "attempts_made", "max_attempts",  "backoff_type", "backoff_delay_ms",
      "backoff_jitter", "timeout_ms",  "run_at_ms",     "created_at_ms", "cancel_requested"};
  static const std::vector<std::string> idColumns = {"id", "seq"};
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  {
    pqxx::tablewriter writer(txn, tables.jobs, jobColumns.begin(), jobColumns.end());
    std::string line;
    for (size_t i = 0; i < batch.size(); ++i) {
      const jobs::JobRecord& j = batch[i];
      line.clear();
      line += seqs[i];
      line += '\t';
      appendCopyField(line, j.id, kNul);
      line += '\t';
      appendCopyField(line, j.type, kNul);
      line += '\t';
      appendCopyField(line, j.queue, kNul);
      line += '\t';
      line += std::to_string(j.priority);
      line += '\t';
      appendCopyField(line, j.dataJson, kNul);
      line += "\twaiting\t";
      line += std::to_string(j.attemptsMade);
      line += '\t';
      line += std::to_string(j.maxAttempts);
      line += '\t';
      appendCopyField(line, j.backoff.type, kNul);
      line += '\t';
      line += std::to_string(j.backoff.delayMs);
      line += '\t';
      line += nlohmann::json(j.backoff.jitter).dump();
      line += '\t';
      line += std::to_string(j.timeoutMs);
      line += '\t';
      line += std::to_string(j.runAtMs);
      line += '\t';
      line += std::to_string(j.createdAtMs);
      line += "\tfalse";
      writer.write_raw_line(line);
    }
    writer.complete();
  }
  {
    pqxx::tablewriter writer(txn, tables.ids, idColumns.begin(), idColumns.end());
    std::string line;
    for (size_t i = 0; i < batch.size(); ++i) {
      line.clear();
      appendCopyField(line, batch[i].id, kNul);
      line += '\t';
      line += seqs[i];
      writer.write_raw_line(line);
    }
    writer.complete();
  }
#pragma GCC diagnostic pop
}

}  // namespace wno::pg
