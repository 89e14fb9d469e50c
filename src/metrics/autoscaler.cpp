#include "metrics/autoscaler.hpp"

#include <algorithm>

namespace lokku::metrics {

int autoscale_quantity(const AutoscaleTarget& t, int quantity,
                       const std::deque<AlertMinute>& recent) {
  if (quantity < t.min) {
    return t.min;
  }
  if (quantity > t.max) {
    return t.max;
  }
  if (recent.empty()) {
    return quantity;
  }
  const auto latest = recent.front().value(AlertKind::latency);
  if (latest && *latest >= t.p95_ms) {
    return std::min(quantity + 1, t.max);
  }
  auto quiet = [&](const AlertMinute& m) {
    auto v = m.value(AlertKind::latency);
    return !v || *v < t.p95_ms / 2;
  };
  if (recent.size() >= kQuietMinutes &&
      std::all_of(recent.begin(), recent.begin() + static_cast<std::ptrdiff_t>(kQuietMinutes),
                  quiet)) {
    return std::max(quantity - 1, t.min);
  }
  return quantity;
}

}  // namespace lokku::metrics
