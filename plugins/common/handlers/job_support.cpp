#include "job_support.h"

#include "common/utc_time.h"

#include <algorithm>
#include <charconv>

namespace wno::handlers {

json parseJobData(std::string_view dataJson) {
  json data = json::parse(dataJson.begin(), dataJson.end(), nullptr, false);
  if (data.is_discarded()) throw sdk::invalid("job data is not valid JSON");
  if (!data.is_object()) throw sdk::invalid(std::string("job data must be a JSON object, got ") + data.type_name());
  return data;
}

json parseConfig(std::string_view configJson, std::initializer_list<const char*> known) {
  return sdk::ComponentConfig(configJson, std::vector<std::string>(known.begin(), known.end())).json();
}

int64_t requireId(const json& data, const char* key) {
  auto it = data.find(key);
  if (it == data.end() || it->is_null()) throw sdk::invalid(std::string("job data needs \"") + key + "\"");
  int64_t id = 0;
  if (it->is_number_integer()) {
    if (it->is_number_unsigned() && it->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) id = -1;
    else id = it->get<int64_t>();
  } else if (it->is_string()) {
    const std::string& s = it->get_ref<const std::string&>();
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size()) id = -1;
  } else {
    id = -1;
  }
  if (id <= 0) throw sdk::invalid(std::string("job data \"") + key + "\" must be a positive integer id, got " + it->dump());
  return id;
}

std::string optionalString(const json& data, const char* key, size_t maxLength) {
  auto it = data.find(key);
  if (it == data.end() || it->is_null()) return "";
  if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
    throw sdk::invalid(std::string("job data \"") + key + "\" must be a non-empty string, got " + it->dump());
  }
  if (it->get_ref<const std::string&>().size() > maxLength) {
    throw sdk::invalid(std::string("job data \"") + key + "\" is longer than " + std::to_string(maxLength) + " bytes");
  }
  return it->get<std::string>();
}

int64_t configInt(const json& config, const char* key, int64_t fallback, int64_t min, int64_t max) {
  return sdk::ComponentConfig::integerIn(config, key, fallback, min, max);
}

std::string utcTimestamp(int64_t unixMs) { return common::utcFromMs(unixMs, 6); }

std::chrono::milliseconds callBudget(const sdk::Host& host, const sdk::Job& job, std::chrono::milliseconds configured) {
  if (job.deadlineMs <= 0) return configured;
  const int64_t left = job.deadlineMs - host.nowMs();
  if (left <= 0) throw sdk::Error(WNO_ERR_TIMEOUT, "job " + std::string(job.id) + " is past its deadline");
  return std::min(configured, std::chrono::milliseconds(left));
}

void stopIfAsked(const sdk::Host& host, const sdk::Job& job) {
  if (host.jobShouldStop(job.id)) throw sdk::Error(WNO_ERR_CANCELLED, "job " + std::string(job.id) + " was asked to stop");
}

json parseRow(const std::string& text, std::string_view collection) {
  json row = json::parse(text, nullptr, false);
  if (row.is_discarded() || !row.is_object()) {
    throw sdk::Error(WNO_ERR_INTERNAL, "the host returned a malformed " + std::string(collection) + " row");
  }
  return row;
}

void forEachRow(const sdk::Host& host, const Scan& scan, const std::function<bool(const json& row)>& visit,
                const std::function<void()>& between) {
  json fields = scan.fields;
  // The keyset needs each row's id, whatever the caller selects.
  if (!fields.empty()) {
    bool hasId = false;
    for (const auto& f : fields) hasId = hasId || f == "id";
    if (!hasId) fields.push_back("id");
  }
  json after = nullptr;
  for (;;) {
    if (between) between();
    json query = {{"filters", scan.filters},
                  {"sort", json::array({{{"field", "id"}, {"desc", scan.newestFirst}}})},
                  {"limit", scan.pageSize}};
    if (!fields.empty()) query["fields"] = fields;
    if (!after.is_null()) query["after"] = json::array({after});
    const std::vector<std::string> page = host.repoQuery(scan.collection, query.dump());
    for (const auto& text : page) {
      json row = parseRow(text, scan.collection);
      if (!row.contains("id") || !row["id"].is_number_integer()) {
        throw sdk::Error(WNO_ERR_INTERNAL, "the host returned a " + scan.collection + " row without an id");
      }
      after = row["id"];
      if (!visit(row)) return;
    }
    if (static_cast<int64_t>(page.size()) < scan.pageSize) return;
  }
}

}  // namespace wno::handlers
