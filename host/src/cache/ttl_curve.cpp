#include "cache/ttl_curve.h"

#include <algorithm>

namespace wno::host {

TtlCurve::TtlCurve(std::vector<std::pair<double, double>> points) : points_(std::move(points)) {
  std::sort(points_.begin(), points_.end());
}

std::optional<TtlCurve> TtlCurve::fromJson(const nlohmann::json& points, std::string& error) {
  if (!points.is_array() || points.empty()) {
    error = "expected a non-empty array of [load, multiplier] pairs";
    return std::nullopt;
  }
  std::vector<std::pair<double, double>> parsed;
  for (size_t i = 0; i < points.size(); ++i) {
    const auto& p = points[i];
    if (!p.is_array() || p.size() != 2 || !p[0].is_number() || !p[1].is_number()) {
      error = "/" + std::to_string(i) + ": expected [load, multiplier]";
      return std::nullopt;
    }
    const double load = p[0].get<double>(), multiplier = p[1].get<double>();
    if (load < 0 || load > 1) {
      error = "/" + std::to_string(i) + "/0: load must be within 0..1";
      return std::nullopt;
    }
    if (multiplier <= 0) {
      error = "/" + std::to_string(i) + "/1: multiplier must be > 0";
      return std::nullopt;
    }
    parsed.emplace_back(load, multiplier);
  }
  return TtlCurve(std::move(parsed));
}

double TtlCurve::multiplier(double load) const {
  if (points_.empty()) return 1.0;
  if (load <= points_.front().first) return points_.front().second;
  if (load >= points_.back().first) return points_.back().second;
  for (size_t i = 1; i < points_.size(); ++i) {
    const auto& [x1, y1] = points_[i];
    if (load > x1) continue;
    const auto& [x0, y0] = points_[i - 1];
    if (x1 == x0) return y1;
    return y0 + (y1 - y0) * (load - x0) / (x1 - x0);
  }
  return points_.back().second;
}

nlohmann::json TtlCurve::toJson() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [load, multiplier] : points_) out.push_back({load, multiplier});
  return out;
}

}  // namespace wno::host
