#include "metrics/autoscaler.hpp"

#include <algorithm>
#include <cmath>

namespace lokku::metrics {

namespace {

/// Requests a minute one dyno served within the desired p95: the most of the hour's minutes.
std::optional<double> capacity(const AutoscaleTarget& t, const std::deque<AutoscaleMinute>& hour) {
  std::optional<double> best;
  for (const auto& m : hour) {
    if (m.requests > 0 && m.quantity > 0 && m.p95_ms && *m.p95_ms < t.p95_ms) {
      const double per_dyno = static_cast<double>(m.requests) / m.quantity;
      best = std::max(best.value_or(0.0), per_dyno);
    }
  }
  return best;
}

/// Dynos the minute's requests need at `per_dyno` a dyno.
int needed(const AutoscaleMinute& m, double per_dyno) {
  return static_cast<int>(std::ceil(static_cast<double>(m.requests) / per_dyno));
}

}  // namespace

AutoscaleMinute autoscale_minute(const AlertMinute& m, int quantity) {
  return {m.requests, m.value(AlertKind::latency), quantity};
}

int autoscale_quantity(const AutoscaleTarget& t, int quantity,
                       const std::deque<AutoscaleMinute>& hour) {
  if (quantity < t.min) {
    return t.min;
  }
  if (quantity > t.max) {
    return t.max;
  }
  if (hour.empty()) {
    return quantity;
  }
  const auto per_dyno = capacity(t, hour);
  const auto& latest = hour.front();
  const bool slow = latest.p95_ms && *latest.p95_ms >= t.p95_ms;
  if (slow || (per_dyno && latest.requests > 0 && needed(latest, *per_dyno) > quantity)) {
    return std::min(quantity + 1, t.max);
  }
  auto quiet = [&](const AutoscaleMinute& m) {
    if (m.requests == 0 || !m.p95_ms || *m.p95_ms < t.p95_ms / 2) {
      return true;
    }
    return *m.p95_ms < t.p95_ms && per_dyno && needed(m, *per_dyno) < quantity;
  };
  if (hour.size() >= kQuietMinutes &&
      std::all_of(hour.begin(), hour.begin() + static_cast<std::ptrdiff_t>(kQuietMinutes), quiet)) {
    return std::max(quantity - 1, t.min);
  }
  return quantity;
}

}  // namespace lokku::metrics
