#pragma once
// Web dyno autoscaling's decision (drains-webhooks-metrics.md §4.2, DC:autoscaling): one
// dyno more or fewer per decision, one decision per whole minute (so at most one change a
// minute), within [min, max]; up when the last minute's p95 reached the desired p95, down
// only after three quiet minutes in a row (each under half the target or without requests):
// slower down than up, as Heroku's.

#include "metrics/alert_monitor.hpp"

#include <deque>

namespace lokku::metrics {

struct AutoscaleTarget {
  int min = 1;
  int max = 1;
  double p95_ms = 1000;
};

/// Quiet minutes in a row before one dyno goes.
inline constexpr std::size_t kQuietMinutes = 3;

/// The web quantity to run after the minutes `recent` (newest first) at `quantity` now.
int autoscale_quantity(const AutoscaleTarget& t, int quantity,
                       const std::deque<AlertMinute>& recent);

}  // namespace lokku::metrics
