#include "pg_claim_batches.h"

namespace wno::pg {

void ClaimBatches::claimed(std::string_view id, int64_t seq, int64_t batch) {
  std::lock_guard lock(mutex_);
  // Claimed again (a retry, or recovered and claimed back): the old batch
  // no longer holds it.
  doneLocked(id);
  claimed_.emplace(std::string(id), Claimed{seq, batch});
  ++open_[batch];
}

bool ClaimBatches::seqsOf(const std::vector<std::string_view>& ids, std::vector<int64_t>& seqs) {
  std::lock_guard lock(mutex_);
  seqs.clear();
  seqs.reserve(ids.size());
  std::string key;
  for (const auto id : ids) {
    key.assign(id);
    auto it = claimed_.find(key);
    if (it == claimed_.end()) return false;
    seqs.push_back(it->second.seq);
  }
  return true;
}

void ClaimBatches::done(std::string_view id) {
  std::lock_guard lock(mutex_);
  doneLocked(id);
}

void ClaimBatches::doneLocked(std::string_view id) {
  auto it = claimed_.find(std::string(id));
  if (it == claimed_.end()) return;
  const int64_t batch = it->second.batch;
  claimed_.erase(it);
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
