#include "common/time_scale.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace lokku::common {

TimeScale::TimeScale(double factor) : factor_(factor) {
  if (!(factor > 0.0) || !std::isfinite(factor)) {
    throw std::invalid_argument("time scale must be a positive number");
  }
}

std::optional<TimeScale> TimeScale::parse(std::string_view text) {
  if (text.empty()) {
    return std::nullopt;
  }
  std::string s(text);
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(s, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (used != s.size() || !(value > 0.0) || !std::isfinite(value)) {
    return std::nullopt;
  }
  return TimeScale(value);
}

}  // namespace lokku::common
