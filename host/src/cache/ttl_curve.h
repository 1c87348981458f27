// Adaptive TTL: a piecewise-linear curve from load factor (0..1) to a TTL
// multiplier. Under load, entries live longer, so fewer requests fall
// through to the database exactly when it can least afford them.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace wno::host {

class TtlCurve {
 public:
  TtlCurve() = default;  // flat x1
  // Points (load, multiplier), sorted by load; loads outside the points
  // take the nearest end's multiplier.
  explicit TtlCurve(std::vector<std::pair<double, double>> points);

  // From [[load, multiplier], ...]; nullopt with `error` set when malformed.
  static std::optional<TtlCurve> fromJson(const nlohmann::json& points, std::string& error);

  double multiplier(double load) const;
  nlohmann::json toJson() const;

 private:
  std::vector<std::pair<double, double>> points_;
};

}  // namespace wno::host
