// Which claim batch each job this store instance claimed came from, so the
// batch's row in "<table>_claims" can be deleted once all its jobs are done
// here; and each job's seq, which finishes look rows up by (an integer key
// instead of the text id). Those rows are how recovery finds active jobs (pg_job_sql.h says
// why there is no index over them); a row left behind (a crash, a job taken
// back by another host) costs recovery a few lookups until its cleanup
// pass deletes it, so the bookkeeping is best effort and in memory only.
// THREADS: every method may be called concurrently.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace wno::pg {

class ClaimBatches {
 public:
  // A claim took job `id` (row `seq`) in batch `batch`.
  void claimed(std::string_view id, int64_t seq, int64_t batch);
  // The seqs of claimed jobs not yet done here, in the order asked; false
  // (and seqs unspecified) when any of them is not known.
  bool seqsOf(const std::vector<std::string_view>& ids, std::vector<int64_t>& seqs);
  // This host is done with job `id` (finished, refused, lost): no longer counted.
  void done(std::string_view id);
  // The batches that have no job left here, handed over once each.
  std::vector<int64_t> takeEmptied();
  // Gives batches back to takeEmptied() (their delete failed).
  void putBack(const std::vector<int64_t>& batches);

 private:
  void doneLocked(std::string_view id);

  std::mutex mutex_;
  struct Claimed {
    int64_t seq;
    int64_t batch;
  };
  std::unordered_map<std::string, Claimed> claimed_;
  std::unordered_map<int64_t, size_t> open_;  // jobs not yet done, per batch
  std::vector<int64_t> emptied_;
};

}  // namespace wno::pg
