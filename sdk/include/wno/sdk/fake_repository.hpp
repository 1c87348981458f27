// wno SDK — a small in-memory repository behind FakeHost's repo_* services,
// so handler tests can read back what a plugin wrote.
//
//   host.repo.define("contents");                     // versioned by default
//   auto row = host.repo.insert("contents", {{"body", "hi"}});   // seed directly
//   ... run the plugin ...
//   EXPECT_EQ(host.repo.row("contents", 1)->at("status"), "processed");
//
// Semantics follow repository.h: rows get "id", "created_at" (RFC 3339 UTC,
// microseconds) and, when versioned, "version" 1; update checks
// expected_version >= 0 against the stored one (WNO_ERR_PRECONDITION when it
// differs) and bumps it. QUERY supports every documented filter op
// (comparisons on numbers or strings; NULL never compares), or/and groups
// and "not", "sort" with NULLs as +infinity, "after", "limit" (default 20,
// <= 0: all) and "fields". The 1.2 services: count, createMany (all or
// nothing only in that the input is checked first), updateWhere and
// removeWhere (filters and a limit >= 1 required, as the host requires;
// rows written ordered by id).
// No schema: any field is accepted. A collection that was never defined
// answers as the thin fakes always did (query: WNO_ERR_UNAVAILABLE, get and
// delete: WNO_NOT_FOUND, create and update: echo), so older tests keep working.
// Uses nlohmann/json (Debian nlohmann-json3-dev) for rows and queries.
// THREADS: every method locks; hooks (beforeUpdate) run outside the lock.
#pragma once

#include <wno/common.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace wno::sdk::testing {

class FakeRepository {
 public:
  using json = nlohmann::json;

  // What one service call produced: rows to write to the sink, or a status
  // with the message the host would set.
  struct Outcome {
    wno_status status = WNO_OK;
    std::vector<std::string> rows;
    std::string error;
    int64_t count = 0;  // count, updateWhere, removeWhere
  };

  void define(const std::string& collection, bool versioned = true) {
    std::lock_guard lock(mutex_);
    tables_.try_emplace(collection).first->second.versioned = versioned;
  }
  bool defined(const std::string& collection) const {
    std::lock_guard lock(mutex_);
    return tables_.count(collection) != 0;
  }

  // ---- direct access for tests (no host call, no failure injection) ----

  // Seeds a row; an "id" in it is kept (if free), else the next id is used.
  json insert(const std::string& collection, json row) {
    std::lock_guard lock(mutex_);
    return insertLocked(table(collection), std::move(row), true);
  }
  std::optional<json> row(const std::string& collection, int64_t id) const {
    std::lock_guard lock(mutex_);
    auto t = tables_.find(collection);
    if (t == tables_.end()) return std::nullopt;
    auto r = t->second.rows.find(id);
    if (r == t->second.rows.end()) return std::nullopt;
    return r->second;
  }
  std::vector<json> rows(const std::string& collection) const {
    std::lock_guard lock(mutex_);
    std::vector<json> out;
    auto t = tables_.find(collection);
    if (t == tables_.end()) return out;
    for (const auto& [id, r] : t->second.rows) out.push_back(r);
    return out;
  }
  // Changes a row as another writer would (bumping its version).
  void patch(const std::string& collection, int64_t id, const json& fields) {
    std::lock_guard lock(mutex_);
    auto& t = table(collection);
    auto r = t.rows.find(id);
    if (r == t.rows.end()) throw std::out_of_range("FakeRepository::patch: no row " + std::to_string(id));
    applyLocked(t, r->second, fields);
  }
  void erase(const std::string& collection, int64_t id) {
    std::lock_guard lock(mutex_);
    table(collection).rows.erase(id);
  }

  // The next call of `op` ("query", "get", "create", "update", "delete",
  // "count", "create_many", "update_where", "delete_where") on
  // `collection` ("" = any) fails with status and message, once per call.
  void failNext(const std::string& op, wno_status status, std::string message = "injected failure",
                const std::string& collection = "") {
    std::lock_guard lock(mutex_);
    failures_.push_back({op, collection, status, std::move(message)});
  }
  // How many service calls of `op` reached the repository (failed ones too).
  int calls(const std::string& op) const {
    std::lock_guard lock(mutex_);
    auto it = calls_.find(op);
    return it == calls_.end() ? 0 : it->second;
  }

  // Runs before an update is applied, outside the lock: a test can change
  // the row "concurrently" here (patch) to provoke a stale version.
  std::function<void(const std::string& collection, int64_t id)> beforeUpdate;
  // Runs after a create through the service, outside the lock, with the
  // stored row: a test can play a concurrent writer here (insert).
  std::function<void(const std::string& collection, const json& row)> afterCreate;

  // ---- the services FakeHost forwards to ----

  Outcome query(const std::string& collection, const std::string& queryJson) {
    std::lock_guard lock(mutex_);
    if (auto f = injected("query", collection)) return *f;
    auto t = tables_.find(collection);
    if (t == tables_.end()) return fail(WNO_ERR_UNAVAILABLE, "FakeHost: no collection \"" + collection + "\" (define it)");
    const json q = json::parse(queryJson, nullptr, false);
    if (q.is_discarded() || !q.is_object()) return fail(WNO_ERR_INVALID, "query_json is not a JSON object");
    try {
      return runQuery(t->second, q);
    } catch (const std::exception& e) {
      return fail(WNO_ERR_INVALID, e.what());
    }
  }
  Outcome get(const std::string& collection, int64_t id) {
    std::lock_guard lock(mutex_);
    if (auto f = injected("get", collection)) return *f;
    auto t = tables_.find(collection);
    if (t == tables_.end()) return {WNO_NOT_FOUND, {}, ""};
    auto r = t->second.rows.find(id);
    if (r == t->second.rows.end()) return {WNO_NOT_FOUND, {}, "no row " + std::to_string(id)};
    return {WNO_OK, {r->second.dump()}, ""};
  }
  Outcome create(const std::string& collection, const std::string& rowJson) {
    std::unique_lock lock(mutex_);
    if (auto f = injected("create", collection)) return *f;
    auto t = tables_.find(collection);
    if (t == tables_.end()) return {WNO_OK, {rowJson}, ""};
    json row = json::parse(rowJson, nullptr, false);
    if (row.is_discarded() || !row.is_object()) return fail(WNO_ERR_INVALID, "row_json is not a JSON object");
    json stored = insertLocked(t->second, std::move(row), false);
    if (afterCreate) {
      lock.unlock();
      afterCreate(collection, stored);
    }
    return {WNO_OK, {stored.dump()}, ""};
  }
  Outcome update(const std::string& collection, int64_t id, int64_t expectedVersion, const std::string& patchJson) {
    {
      std::lock_guard lock(mutex_);
      if (auto f = injected("update", collection)) return *f;
      if (tables_.find(collection) == tables_.end()) return {WNO_OK, {patchJson}, ""};
    }
    if (beforeUpdate) beforeUpdate(collection, id);
    std::lock_guard lock(mutex_);
    auto& t = table(collection);
    const json patch = json::parse(patchJson, nullptr, false);
    if (patch.is_discarded() || !patch.is_object()) return fail(WNO_ERR_INVALID, "patch_json is not a JSON object");
    auto r = t.rows.find(id);
    if (r == t.rows.end()) return {WNO_NOT_FOUND, {}, ""};
    if (t.versioned && expectedVersion >= 0 && r->second.value("version", int64_t{0}) != expectedVersion) {
      return fail(WNO_ERR_PRECONDITION, "stale version: expected " + std::to_string(expectedVersion) + ", stored " +
                                            std::to_string(r->second.value("version", int64_t{0})));
    }
    applyLocked(t, r->second, patch);
    return {WNO_OK, {r->second.dump()}, ""};
  }
  Outcome remove(const std::string& collection, int64_t id) {
    std::lock_guard lock(mutex_);
    if (auto f = injected("delete", collection)) return *f;
    auto t = tables_.find(collection);
    if (t == tables_.end()) return {WNO_NOT_FOUND, {}, ""};
    return {t->second.rows.erase(id) ? WNO_OK : WNO_NOT_FOUND, {}, ""};
  }

  Outcome count(const std::string& collection, const std::string& queryJson) {
    std::lock_guard lock(mutex_);
    if (auto f = injected("count", collection)) return *f;
    auto t = tables_.find(collection);
    if (t == tables_.end()) return fail(WNO_ERR_INVALID, "FakeHost: no collection \"" + collection + "\" (define it)");
    const json q = json::parse(queryJson, nullptr, false);
    if (q.is_discarded() || !q.is_object()) return fail(WNO_ERR_INVALID, "query_json is not a JSON object");
    try {
      Outcome out;
      out.count = static_cast<int64_t>(selectLocked(t->second, q.value("filters", json::array())).size());
      return out;
    } catch (const std::exception& e) {
      return fail(WNO_ERR_INVALID, e.what());
    }
  }
  // One JSON array of the new ids, in input order.
  Outcome createMany(const std::string& collection, const std::string& rowsJson) {
    std::lock_guard lock(mutex_);
    if (auto f = injected("create_many", collection)) return *f;
    auto t = tables_.find(collection);
    if (t == tables_.end()) return fail(WNO_ERR_INVALID, "FakeHost: no collection \"" + collection + "\" (define it)");
    const json rows = json::parse(rowsJson, nullptr, false);
    if (rows.is_discarded() || !rows.is_array() || rows.empty()) {
      return fail(WNO_ERR_INVALID, "rows_json is not a non-empty JSON array");
    }
    for (size_t i = 0; i < rows.size(); ++i) {
      if (!rows[i].is_object()) return fail(WNO_ERR_INVALID, "[" + std::to_string(i) + "]: not a JSON object");
    }
    json ids = json::array();
    for (const auto& row : rows) ids.push_back(insertLocked(t->second, row, false)["id"]);
    return {WNO_OK, {ids.dump()}, ""};
  }
  Outcome updateWhere(const std::string& collection, const std::string& queryJson, const std::string& patchJson) {
    std::lock_guard lock(mutex_);
    if (auto f = injected("update_where", collection)) return *f;
    const json patch = json::parse(patchJson, nullptr, false);
    if (patch.is_discarded() || !patch.is_object() || patch.empty()) {
      return fail(WNO_ERR_INVALID, "patch_json is not a non-empty JSON object");
    }
    return writeWhereLocked(collection, queryJson, [&](Table& t, json& row) {
      applyLocked(t, row, patch);
      return row.dump();
    });
  }
  Outcome removeWhere(const std::string& collection, const std::string& queryJson) {
    std::lock_guard lock(mutex_);
    if (auto f = injected("delete_where", collection)) return *f;
    std::vector<int64_t> gone;
    Outcome out = writeWhereLocked(collection, queryJson, [&](Table&, json& row) {
      gone.push_back(row["id"].get<int64_t>());
      return row.dump();
    });
    for (int64_t id : gone) table(collection).rows.erase(id);
    return out;
  }

  // RFC 3339 UTC with microseconds, as the host stores timestamps.
  static std::string nowTimestamp() {
    using namespace std::chrono;
    const auto now = system_clock::now();
    const auto micros = duration_cast<microseconds>(now.time_since_epoch()).count() % 1000000;
    const std::time_t t = system_clock::to_time_t(now);
    std::tm utc{};
    gmtime_r(&t, &utc);
    char buffer[96];
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                  utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(micros));
    return buffer;
  }

 private:
  struct Table {
    bool versioned = true;
    int64_t nextId = 1;
    std::map<int64_t, json> rows;
  };
  struct Failure {
    std::string op;
    std::string collection;
    wno_status status;
    std::string message;
  };

  static Outcome fail(wno_status status, std::string message) { return {status, {}, std::move(message)}; }

  Table& table(const std::string& collection) {
    auto t = tables_.find(collection);
    if (t == tables_.end()) throw std::out_of_range("FakeRepository: collection \"" + collection + "\" is not defined");
    return t->second;
  }

  // mutex_ held. Counts the call and consumes a matching injected failure.
  std::optional<Outcome> injected(const std::string& op, const std::string& collection) {
    ++calls_[op];
    for (auto it = failures_.begin(); it != failures_.end(); ++it) {
      if (it->op == op && (it->collection.empty() || it->collection == collection)) {
        Outcome o = fail(it->status, it->message);
        failures_.erase(it);
        return o;
      }
    }
    return std::nullopt;
  }

  json insertLocked(Table& t, json row, bool keepId) {
    if (!row.is_object()) throw std::invalid_argument("FakeRepository: a row must be a JSON object");
    int64_t id = 0;
    if (keepId && row.contains("id") && row["id"].is_number_integer() && !t.rows.count(row["id"].get<int64_t>())) {
      id = row["id"].get<int64_t>();
      t.nextId = std::max(t.nextId, id + 1);
    } else {
      id = t.nextId++;
    }
    row["id"] = id;
    if (!row.contains("created_at")) row["created_at"] = nowTimestamp();
    if (t.versioned) row["version"] = 1;
    t.rows[id] = row;
    return row;
  }

  static void applyLocked(const Table& t, json& row, const json& patch) {
    for (const auto& [key, value] : patch.items()) {
      if (key == "id" || key == "version" || key == "created_at") continue;
      row[key] = value;
    }
    if (t.versioned) row["version"] = row.value("version", int64_t{0}) + 1;
  }

  static const json& field(const json& row, const std::string& name) {
    static const json null;
    auto it = row.find(name);
    return it == row.end() ? null : *it;
  }

  // SQL-like ordering of two non-null scalars of comparable types; nullopt
  // when they cannot be compared (a number against a string).
  static std::optional<int> compare(const json& a, const json& b) {
    if (a.is_number() && b.is_number()) {
      if (a.is_number_float() || b.is_number_float()) {
        const double x = a.get<double>(), y = b.get<double>();
        return x < y ? -1 : x > y ? 1 : 0;
      }
      if (a.is_number_unsigned() && b.is_number_unsigned()) {
        const auto x = a.get<uint64_t>(), y = b.get<uint64_t>();
        return x < y ? -1 : x > y ? 1 : 0;
      }
      const auto x = a.get<int64_t>(), y = b.get<int64_t>();
      return x < y ? -1 : x > y ? 1 : 0;
    }
    if (a.is_string() && b.is_string()) {
      const int c = a.get_ref<const std::string&>().compare(b.get_ref<const std::string&>());
      return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
    if (a.is_boolean() && b.is_boolean()) return static_cast<int>(a.get<bool>()) - static_cast<int>(b.get<bool>());
    if (a.is_structured() || b.is_structured()) return a == b ? std::optional<int>(0) : std::nullopt;
    return std::nullopt;
  }

  // SQL LIKE: % any run, _ one character (bytes), case-sensitive.
  static bool like(const std::string& s, size_t i, const std::string& p, size_t j) {
    while (j < p.size()) {
      if (p[j] == '%') {
        for (size_t k = i; k <= s.size(); ++k) {
          if (like(s, k, p, j + 1)) return true;
        }
        return false;
      }
      if (i >= s.size() || (p[j] != '_' && p[j] != s[i])) return false;
      ++i;
      ++j;
    }
    return i == s.size();
  }

  static bool matches(const json& row, const json& filter) {
    const bool negated = filter.value("not", false);
    if (filter.contains("or") || filter.contains("and")) {
      const bool any = filter.contains("or");
      const json& terms = filter[any ? "or" : "and"];
      if (!terms.is_array() || terms.empty()) throw std::invalid_argument("a filter group needs a list of filters");
      bool result = !any;
      for (const auto& term : terms) result = any ? (result || matches(row, term)) : (result && matches(row, term));
      return result != negated;
    }
    return matchesLeaf(row, filter) != negated;
  }

  static bool matchesLeaf(const json& row, const json& filter) {
    const std::string name = filter.at("field").get<std::string>();
    const std::string op = filter.at("op").get<std::string>();
    const json& v = field(row, name);
    const json value = filter.value("value", json());
    if (op == "is_null") return v.is_null();
    if (op == "is_not_null") return !v.is_null();
    if (op == "in" || op == "nin") {
      if (!value.is_array() || value.empty()) throw std::invalid_argument("filter " + name + " " + op + " needs a list");
      if (v.is_null()) return false;
      bool found = false;
      for (const auto& candidate : value) found = found || compare(v, candidate) == 0;
      return op == "in" ? found : !found;
    }
    if (value.is_null()) throw std::invalid_argument("filter " + name + " " + op + " needs a value");
    if (v.is_null()) return false;
    if (op == "like") return v.is_string() && value.is_string() && like(v.get<std::string>(), 0, value.get<std::string>(), 0);
    const auto c = compare(v, value);
    if (!c) return false;
    if (op == "eq") return *c == 0;
    if (op == "ne") return *c != 0;
    if (op == "gt") return *c > 0;
    if (op == "gte") return *c >= 0;
    if (op == "lt") return *c < 0;
    if (op == "lte") return *c <= 0;
    throw std::invalid_argument("unknown filter operator \"" + op + "\"");
  }

  // Order of a against b under one sort key; NULL sorts as +infinity.
  static int order(const json& a, const json& b, bool desc) {
    int c = 0;
    if (a.is_null() || b.is_null()) {
      c = a.is_null() == b.is_null() ? 0 : a.is_null() ? 1 : -1;
    } else {
      c = compare(a, b).value_or(0);
    }
    return desc ? -c : c;
  }

  // The rows every filter matches, in id order.
  static std::vector<const json*> selectLocked(const Table& t, const json& filters) {
    std::vector<const json*> selected;
    for (const auto& [id, row] : t.rows) {
      bool keep = true;
      for (const auto& f : filters) keep = keep && matches(row, f);
      if (keep) selected.push_back(&row);
    }
    return selected;
  }

  static json sortKeys(const json& q) {
    json sort = q.value("sort", json::array());
    if (sort.empty() || sort.back().value("field", "") != "id") sort.push_back({{"field", "id"}});
    return sort;
  }

  static void sortRows(std::vector<const json*>& rows, const json& sort) {
    std::stable_sort(rows.begin(), rows.end(), [&](const json* a, const json* b) { return compareRows(*a, *b, sort) < 0; });
  }

  static int compareRows(const json& a, const json& b, const json& sort) {
    for (const auto& k : sort) {
      const std::string name = k.at("field").get<std::string>();
      if (int c = order(field(a, name), field(b, name), k.value("desc", false)); c != 0) return c;
    }
    return 0;
  }

  // updateWhere / removeWhere: the first "limit" rows of the filters in the
  // QUERY's order, each handed to `write` (which returns the row to report).
  template <typename Write>
  Outcome writeWhereLocked(const std::string& collection, const std::string& queryJson, Write&& write) {
    auto t = tables_.find(collection);
    if (t == tables_.end()) return fail(WNO_ERR_INVALID, "FakeHost: no collection \"" + collection + "\" (define it)");
    const json q = json::parse(queryJson, nullptr, false);
    if (q.is_discarded() || !q.is_object()) return fail(WNO_ERR_INVALID, "query_json is not a JSON object");
    const json filters = q.value("filters", json::array());
    if (!filters.is_array() || filters.empty()) return fail(WNO_ERR_INVALID, "a write by filter needs at least one filter");
    const json limit = q.value("limit", json());
    if (!limit.is_number_integer() || limit.get<int64_t>() < 1) {
      return fail(WNO_ERR_INVALID, "a write by filter needs a limit of at least 1");
    }
    std::vector<int64_t> ids;
    try {
      auto selected = selectLocked(t->second, filters);
      sortRows(selected, sortKeys(q));
      if (selected.size() > limit.get<size_t>()) selected.resize(limit.get<size_t>());
      for (const json* r : selected) ids.push_back(r->at("id").get<int64_t>());
    } catch (const std::exception& e) {
      return fail(WNO_ERR_INVALID, e.what());
    }
    std::sort(ids.begin(), ids.end());
    Outcome out;
    for (int64_t id : ids) out.rows.push_back(write(t->second, t->second.rows.at(id)));
    out.count = static_cast<int64_t>(ids.size());
    return out;
  }

  Outcome runQuery(const Table& t, const json& q) const {
    const json sort = sortKeys(q);
    std::vector<const json*> selected = selectLocked(t, q.value("filters", json::array()));
    auto cmp = [&](const json& a, const json& b) { return compareRows(a, b, sort); };
    sortRows(selected, sort);
    if (q.contains("after") && !q["after"].is_null()) {
      const json& after = q["after"];
      if (!after.is_array() || after.size() != sort.size()) {
        throw std::invalid_argument("after must have one value per sort key");
      }
      json position = json::object();
      for (size_t i = 0; i < sort.size(); ++i) position[sort[i].at("field").get<std::string>()] = after[i];
      std::vector<const json*> later;
      for (const json* r : selected) {
        if (cmp(*r, position) > 0) later.push_back(r);
      }
      selected = std::move(later);
    }
    const int64_t limit = q.value("limit", int64_t{20});
    if (limit > 0 && selected.size() > static_cast<size_t>(limit)) selected.resize(static_cast<size_t>(limit));
    const json fields = q.value("fields", json::array());
    Outcome out;
    for (const json* r : selected) {
      if (fields.empty()) {
        out.rows.push_back(r->dump());
        continue;
      }
      json projected = json::object();
      for (const auto& f : fields) projected[f.get<std::string>()] = field(*r, f.get<std::string>());
      out.rows.push_back(projected.dump());
    }
    return out;
  }

  mutable std::mutex mutex_;
  std::map<std::string, Table> tables_;
  std::deque<Failure> failures_;
  std::map<std::string, int> calls_;
};

}  // namespace wno::sdk::testing
