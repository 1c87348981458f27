#include "memory_store.h"

#include "common/clock.h"

#include <algorithm>

namespace wno::memory_cache {
namespace {
// Regions are indexed like tags, under a prefix no user tag can contain.
std::string regionTag(std::string_view region) { return std::string("\x01region:") + std::string(region); }
constexpr size_t kEntryOverhead = 160;  // list node, map slot, strings' headers: measured order of magnitude
}  // namespace

struct MemoryStore::Entry {
  std::string key;
  std::string value;
  int64_t expiresAtMs = 0;
  std::vector<std::string> tags;  // includes the region tag
  std::string region;
  size_t hash = 0;
  size_t cost = 0;
  Segment segment = Segment::Window;
};

namespace {
// An index key that carries its hash, computed once per operation.
struct HashedKey {
  std::string_view key;
  size_t hash;
  bool operator==(const HashedKey& o) const { return key == o.key; }
};
struct CarriedHash {
  size_t operator()(const HashedKey& k) const { return k.hash; }
};
}  // namespace

struct MemoryStore::Shard {
  using List = std::list<Entry>;
  explicit Shard(size_t budgetBytes, const StoreOptions& o)
      : budget(budgetBytes),
        windowBudget(std::max<size_t>(1, static_cast<size_t>(budgetBytes * o.windowShare))),
        protectedBudget(static_cast<size_t>((budgetBytes - windowBudget) * o.protectedShare)),
        sketch(std::max<size_t>(64, budgetBytes / 512)) {}

  std::mutex mutex;
  size_t budget, windowBudget, protectedBudget;
  size_t windowBytes = 0, probationBytes = 0, protectedBytes = 0;
  List window, probation, protectedList;  // front = most recently used
  std::unordered_map<HashedKey, List::iterator, CarriedHash> index;  // views into the entries' keys
  // Tag -> the keys carrying it, as views of the entries' own keys (an entry
  // leaves every set before it is freed), so a tag costs no key copies.
  std::unordered_map<std::string, std::unordered_set<std::string_view>> tags;
  std::unordered_map<std::string, std::pair<uint64_t, uint64_t>> regions;  // entries, bytes
  std::unordered_map<std::string, uint64_t> regionEvictions;
  FrequencySketch sketch;
  uint64_t hits = 0, misses = 0, evictions = 0, expirations = 0, rejections = 0, sets = 0, deletes = 0, tagInvalidations = 0;

  List& listOf(Segment s) { return s == Segment::Window ? window : s == Segment::Probation ? probation : protectedList; }
  size_t& bytesOf(Segment s) {
    return s == Segment::Window ? windowBytes : s == Segment::Probation ? probationBytes : protectedBytes;
  }
  size_t total() const { return windowBytes + probationBytes + protectedBytes; }

  void unlink(List::iterator it) {
    Entry& e = *it;
    index.erase(HashedKey{e.key, e.hash});
    for (const auto& t : e.tags) {
      auto found = tags.find(t);
      if (found == tags.end()) continue;
      found->second.erase(std::string_view(e.key));
      if (found->second.empty()) tags.erase(found);
    }
    auto& usage = regions[e.region];
    usage.first -= 1;
    usage.second -= e.cost;
    if (usage.first == 0) regions.erase(e.region);
    bytesOf(e.segment) -= e.cost;
    listOf(e.segment).erase(it);
  }

  void evictOne(List::iterator it) {
    ++regionEvictions[it->region];
    unlink(it);
    ++evictions;
  }

  void moveTo(List::iterator it, Segment to) {
    Entry& e = *it;
    bytesOf(e.segment) -= e.cost;
    List& from = listOf(e.segment);
    e.segment = to;
    bytesOf(to) += e.cost;
    listOf(to).splice(listOf(to).begin(), from, it);
  }

  // The main area's eviction candidate: probation's LRU, else protected's.
  List::iterator mainVictim() {
    if (!probation.empty()) return std::prev(probation.end());
    return std::prev(protectedList.end());
  }

  // Keeps `region` within its byte cap by evicting its least recently used
  // entries (probation first, then protected, then the window), never `keep`.
  void enforceRegionCap(const std::string& region, size_t cap, const Entry* keep) {
    auto usage = regions.find(region);
    for (List* list : {&probation, &protectedList, &window}) {
      for (auto it = list->end(); usage != regions.end() && usage->second.second > cap && it != list->begin();) {
        --it;
        if (it->region != region || &*it == keep) continue;
        auto victim = it++;
        evictOne(victim);
        usage = regions.find(region);
      }
    }
  }

  // Restores the byte bounds after an insert (W-TinyLFU).
  void evict() {
    const size_t mainBudget = budget - windowBudget;
    while (windowBytes > windowBudget && !window.empty()) {
      auto candidate = std::prev(window.end());
      // Admit the window's LRU into main if it fits, or if it is used more
      // often than every main entry it would push out.
      while (probationBytes + protectedBytes + candidate->cost > mainBudget &&
             (!probation.empty() || !protectedList.empty())) {
        auto victim = mainVictim();
        if (sketch.frequency(candidate->hash) > sketch.frequency(victim->hash)) {
          evictOne(victim);
        } else {
          break;
        }
      }
      if (probationBytes + protectedBytes + candidate->cost <= mainBudget) {
        moveTo(candidate, Segment::Probation);
      } else {
        evictOne(candidate);
        ++rejections;
      }
    }
    while (protectedBytes > protectedBudget && !protectedList.empty()) {
      moveTo(std::prev(protectedList.end()), Segment::Probation);
    }
    // An entry bigger than the window still fits the shard; keep the total bound.
    while (total() > budget) evictOne(!window.empty() ? std::prev(window.end()) : mainVictim());
  }
};

MemoryStore::MemoryStore(StoreOptions options) : options_(std::move(options)) {
  size_t shards = 1;
  while (shards < options_.shards) shards <<= 1;
  options_.shards = shards;
  if (!options_.now) {
    options_.now = common::unixNowMs;
  }
  for (size_t i = 0; i < shards; ++i) shards_.push_back(std::make_unique<Shard>(options_.maxBytes / shards, options_));
}

MemoryStore::~MemoryStore() = default;

size_t MemoryStore::entryCost(std::string_view key, std::string_view value, const std::vector<std::string_view>& tags,
                              std::string_view region) {
  // Keys are stored twice (entry and tag index) when tagged.
  size_t cost = kEntryOverhead + key.size() + value.size() + region.size();
  for (const auto& t : tags) cost += t.size() + key.size() + 64;
  return cost;
}

MemoryStore::Shard& MemoryStore::shardFor(size_t hash) {
  // The top bits: the index's buckets use the hash modulo a prime, the
  // sketch its own mix; the shard choice should not correlate with either.
  return *shards_[(hash >> 48) & (shards_.size() - 1)];
}

bool MemoryStore::get(std::string_view key, const std::function<void(std::string_view, int64_t)>& found) {
  const size_t hash = hashOf(key);
  Shard& s = shardFor(hash);
  s.sketch.prefetch(hash);  // the table does not move; a racy prefetch is harmless
  std::lock_guard lock(s.mutex);
  auto it = s.index.find(HashedKey{key, hash});
  s.sketch.increment(hash);
  if (it == s.index.end()) {
    ++s.misses;
    return false;
  }
  auto entry = it->second;
  if (entry->expiresAtMs != 0 && !(options_.nowUpperBound && entry->expiresAtMs > options_.nowUpperBound()) &&
      entry->expiresAtMs <= options_.now()) {
    s.unlink(entry);
    ++s.expirations;
    ++s.misses;
    return false;
  }
  ++s.hits;
  switch (entry->segment) {
    case Segment::Window: s.window.splice(s.window.begin(), s.window, entry); break;
    case Segment::Probation:
      s.moveTo(entry, Segment::Protected);
      while (s.protectedBytes > s.protectedBudget && s.protectedList.size() > 1) {
        s.moveTo(std::prev(s.protectedList.end()), Segment::Probation);
      }
      break;
    case Segment::Protected: s.protectedList.splice(s.protectedList.begin(), s.protectedList, entry); break;
  }
  found(entry->value, entry->expiresAtMs);
  return true;
}

void MemoryStore::set(std::string_view key, std::string_view value, int64_t expiresAtMs,
                      const std::vector<std::string_view>& tags, std::string_view region) {
  const size_t hash = hashOf(key);
  Shard& s = shardFor(hash);
  const size_t cost = entryCost(key, value, tags, region);
  std::lock_guard lock(s.mutex);
  ++s.sets;
  if (auto it = s.index.find(HashedKey{key, hash}); it != s.index.end()) s.unlink(it->second);
  if (cost > s.budget) {
    ++s.rejections;  // larger than the whole shard: caching it would evict everything
    return;
  }
  s.sketch.increment(hash);
  Entry e;
  e.key.assign(key);
  e.hash = hash;
  e.value.assign(value);
  e.expiresAtMs = expiresAtMs;
  e.region.assign(region);
  e.cost = cost;
  e.segment = Segment::Window;
  for (const auto& t : tags) e.tags.emplace_back(t);
  e.tags.push_back(regionTag(region));
  s.window.push_front(std::move(e));
  auto it = s.window.begin();
  s.windowBytes += cost;
  s.index.emplace(HashedKey{it->key, hash}, it);
  for (const auto& t : it->tags) s.tags[t].insert(std::string_view(it->key));
  auto& usage = s.regions[it->region];
  usage.first += 1;
  usage.second += cost;
  if (auto share = options_.regionShares.find(it->region); share != options_.regionShares.end()) {
    s.enforceRegionCap(it->region, static_cast<size_t>(share->second * static_cast<double>(s.budget)), &*it);
  }
  s.evict();
}

bool MemoryStore::remove(std::string_view key) {
  const size_t hash = hashOf(key);
  Shard& s = shardFor(hash);
  std::lock_guard lock(s.mutex);
  auto it = s.index.find(HashedKey{key, hash});
  if (it == s.index.end()) return false;
  s.unlink(it->second);
  ++s.deletes;
  return true;
}

uint64_t MemoryStore::invalidateTag(std::string_view tag) {
  uint64_t removed = 0;
  const std::string name(tag);
  for (auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    auto found = shard->tags.find(name);
    if (found == shard->tags.end()) continue;
    // Taken out of the index first: unlinking each entry then skips this
    // tag instead of erasing from the set being walked. The views stay
    // valid until their entry is unlinked, and each is read before that.
    const std::unordered_set<std::string_view> keys = std::move(found->second);
    shard->tags.erase(found);
    for (std::string_view k : keys) {
      auto it = shard->index.find(HashedKey{k, hashOf(k)});
      if (it == shard->index.end()) continue;
      shard->unlink(it->second);
      ++removed;
    }
    ++shard->tagInvalidations;
  }
  return removed;
}

uint64_t MemoryStore::clear(std::string_view region) {
  if (!region.empty()) return invalidateTag(regionTag(region));
  uint64_t removed = 0;
  for (auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    removed += shard->index.size();
    shard->index.clear();
    shard->tags.clear();
    shard->regions.clear();
    shard->window.clear();
    shard->probation.clear();
    shard->protectedList.clear();
    shard->windowBytes = shard->probationBytes = shard->protectedBytes = 0;
  }
  return removed;
}

StoreStats MemoryStore::stats() const {
  StoreStats out;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    out.entries += shard->index.size();
    out.bytes += shard->total();
    out.hits += shard->hits;
    out.misses += shard->misses;
    out.evictions += shard->evictions;
    out.expirations += shard->expirations;
    out.rejections += shard->rejections;
    out.sets += shard->sets;
    out.deletes += shard->deletes;
    out.tagInvalidations += shard->tagInvalidations;
    for (const auto& [region, usage] : shard->regions) {
      auto& r = out.regions[region];
      r.entries += usage.first;
      r.bytes += usage.second;
    }
    for (const auto& [region, evicted] : shard->regionEvictions) out.regions[region].evictions += evicted;
  }
  for (const auto& [region, share] : options_.regionShares) {
    out.regions[region].maxBytes = static_cast<uint64_t>(share * static_cast<double>(options_.maxBytes));
  }
  return out;
}

}  // namespace wno::memory_cache
