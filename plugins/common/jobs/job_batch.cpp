#include "jobs/job_batch.h"

#include "jobs/enqueue_batch_reader.h"
#include "jobs/enqueue_batch_scan.h"
#include "jobs/finish_batch_scan.h"

#include <nlohmann/json.hpp>

namespace wno::jobs {
namespace {

using nlohmann::json;

json parseArray(std::string_view text, size_t count, const char* what) {
  json value = json::parse(text.begin(), text.end(), nullptr, false);
  requireBatchArray(what, !value.is_discarded(), value.is_array(), count, value.size());
  return value;
}

int64_t integerField(const json& item, const char* name, const std::string& where) {
  auto it = item.find(name);
  if (it == item.end() || !it->is_number_integer()) throw InvalidInput(where + "." + name + ": expected an integer");
  return it->get<int64_t>();
}

std::string stringField(const json& item, const char* name, const std::string& where, bool allowEmpty) {
  auto it = item.find(name);
  if (it == item.end() || !it->is_string() || (!allowEmpty && it->get_ref<const std::string&>().empty())) {
    throw InvalidInput(where + "." + name + ": expected a " + (allowEmpty ? "" : "non-empty ") + "string");
  }
  return it->get<std::string>();
}

}  // namespace

void requireBatchArray(const char* what, bool validJson, bool isArray, size_t count, size_t elements) {
  if (!validJson) throw InvalidInput(std::string(what) + " is not valid JSON");
  if (!isArray) throw InvalidInput(std::string(what) + " must be a JSON array");
  if (elements != count) {
    throw InvalidInput(std::string(what) + ": count is " + std::to_string(count) + " but the array has " +
                       std::to_string(elements) + " elements");
  }
}

std::vector<JobRecord> parseEnqueueMany(std::string_view jobsJson, size_t count) {
  // The compact form hosts write, by hand; anything else through the parser.
  if (auto scanned = scanCompactBatch(jobsJson, count)) return std::move(*scanned);
  EnqueueBatchReader reader(count);
  const bool valid = json::sax_parse(jobsJson.begin(), jobsJson.end(), &reader);
  return reader.finish(valid);
}

std::vector<FinishItem> parseFinishMany(std::string_view itemsJson, size_t count) {
  // The compact form hosts write, by hand; anything else through the parser.
  if (auto scanned = scanCompactFinishes(itemsJson, count)) return std::move(*scanned);
  return parseFinishManyDocument(itemsJson, count);
}

std::vector<FinishItem> parseFinishManyDocument(std::string_view itemsJson, size_t count) {
  const json all = parseArray(itemsJson, count, "items");
  std::vector<FinishItem> out;
  out.reserve(all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    const std::string where = "items[" + std::to_string(i) + "]";
    const json& item = all[i];
    if (!item.is_object()) throw InvalidInput(where + ": expected an object");
    FinishItem f;
    f.id = stringField(item, "id", where, false);
    f.nowMs = integerField(item, "now_ms", where);
    const std::string outcome = stringField(item, "outcome", where, false);
    if (outcome == "complete") {
      f.kind = FinishItem::Kind::Complete;
      auto result = item.find("result");
      if (result != item.end() && !result->is_null()) f.resultJson = result->dump();
    } else if (outcome == "fail") {
      f.kind = FinishItem::Kind::Fail;
      f.error = stringField(item, "error", where, true);
      f.retryAtMs = integerField(item, "retry_at_ms", where);
    } else if (outcome == "release") {
      f.kind = FinishItem::Kind::Release;
      f.error = stringField(item, "error", where, true);
    } else {
      throw InvalidInput(where + ".outcome: expected \"complete\", \"fail\" or \"release\", got \"" + outcome + "\"");
    }
    out.push_back(std::move(f));
  }
  return out;
}

Outcome applyFinish(JobRecord& job, std::string_view worker, const FinishItem& item) {
  switch (item.kind) {
    case FinishItem::Kind::Complete: return complete(job, worker, item.nowMs, item.resultJson);
    case FinishItem::Kind::Fail: return fail(job, worker, item.nowMs, item.error, item.retryAtMs);
    case FinishItem::Kind::Release: return release(job, worker, item.nowMs, item.error);
  }
  return {WNO_ERR_INTERNAL, "unknown finish outcome"};
}

std::string refusalJson(size_t index, std::string_view message) {
  return json{{"index", index}, {"message", std::string(message)}}.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace wno::jobs
