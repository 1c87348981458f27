#include "services/operation_timing.h"

#include <map>

namespace wno::host {
namespace {

constexpr size_t kMaxNameLength = 64;

bool nameChar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == ':' || c == '-';
}

bool validName(const std::string& name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  for (const unsigned char c : name) {
    if (!nameChar(c)) return false;
  }
  return true;
}

// "handler compute_user_stats" -> "handler:compute_user_stats".
std::string ownerLabel(const std::string& owner) {
  std::string label = owner.substr(0, kMaxNameLength);
  for (char& c : label) {
    if (!nameChar(static_cast<unsigned char>(c))) c = ':';
  }
  return label.empty() ? "plugin" : label;
}

}  // namespace

prometheus::Family<prometheus::Histogram>& operationDurations(Metrics& metrics) {
  // The registry merges a second registration of the same name and type
  // into the first, so either writer may come first.
  return prometheus::BuildHistogram().Name(kOperationDurationName).Help(kOperationDurationHelp).Register(metrics.registry());
}

bool recordPluginTiming(Metrics& metrics, const std::string& owner, std::string collection,
                        const std::string& operation, int64_t durationNs, bool cached, std::string& error) {
  if (collection.empty()) collection = ownerLabel(owner);
  if (!validName(collection) || !validName(operation)) {
    error = "timing refused: collection \"" + collection + "\" and operation \"" + operation +
            "\" must be 1-64 characters of [A-Za-z0-9_.:-]";
    return false;
  }
  if (durationNs < 0) {
    error = "timing refused: negative duration for operation \"" + operation + "\"";
    return false;
  }
  // The metric service keeps the series (found once per label set, as for
  // any plugin metric); label values are series, so plugins keep them few.
  const std::map<std::string, std::string> labels = {
      {"cached", cached ? "true" : "false"}, {"collection", collection}, {"op", operation}};
  wno_metric* series = metrics.series(WNO_METRIC_HISTOGRAM, kOperationDurationName, kOperationDurationHelp, labels, error);
  if (!series || !series->histogram) return false;
  series->histogram->Observe(static_cast<double>(durationNs) / 1e9);
  return true;
}

}  // namespace wno::host
