#include "pg_claim_batches.h"

namespace wno::pg {

void ClaimBatches::claimed(std::string_view id, int64_t batch) {
  std::lock_guard lock(mutex_);
  // Claimed again (a retry, or recovered and claimed back): the old batch
  // no longer holds it.
  doneLocked(id);
  batchOf_.emplace(std::string(id), batch);
  ++open_[batch];
}

void ClaimBatches::done(std::string_view id) {
  std::lock_guard lock(mutex_);
  doneLocked(id);
}

void ClaimBatches::doneLocked(std::string_view id) {
  auto it = batchOf_.find(std::string(id));
  if (it == batchOf_.end()) return;
  const int64_t batch = it->second;
  batchOf_.erase(it);
  auto open = open_.find(batch);
  if (open == open_.end() || --open->second > 0) return;
  open_.erase(open);
  emptied_.push_back(batch);
}

std::vector<int64_t> ClaimBatches::takeEmptied() {
  std::lock_guard lock(mutex_);
  std::vector<int64_t> out;
  out.swap(emptied_);
  return out;
}

void ClaimBatches::putBack(const std::vector<int64_t>& batches) {
  std::lock_guard lock(mutex_);
  emptied_.insert(emptied_.end(), batches.begin(), batches.end());
}

}  // namespace wno::pg
