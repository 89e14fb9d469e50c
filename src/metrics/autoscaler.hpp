#pragma once
// Web dyno autoscaling's decision (drains-webhooks-metrics.md §4.2, DC:autoscaling): "the
// algorithm uses data from the past hour to calculate the minimum number of web dynos
// required to achieve the desired response time for 95% of incoming requests at your current
// request throughput". lokku's reading of that: the past hour's minutes say how many requests
// a minute one dyno served with its p95 under the desired one (the most any such minute
// shows); the latest minute's requests divided by that is the number of dynos needed. One
// dyno more or fewer per decision, one decision per whole minute (so at most one change a
// minute), within [min, max]. Up when the latest minute was slow or needs more dynos than
// run; down only after three quiet minutes in a row (no requests, a p95 under half the
// desired one, or requests that one dyno fewer would have served): slower down than up.

#include "metrics/alert_monitor.hpp"

#include <cstdint>
#include <deque>
#include <optional>

namespace lokku::metrics {

struct AutoscaleTarget {
  int min = 1;
  int max = 1;
  double p95_ms = 1000;
};

/// One closed minute of web as autoscaling remembers it.
struct AutoscaleMinute {
  std::uint64_t requests = 0;
  std::optional<double> p95_ms;  ///< none without requests
  int quantity = 0;              ///< web dynos running then
};

/// The minutes remembered (the past hour).
inline constexpr std::size_t kAutoscaleHistory = 60;
/// Quiet minutes in a row before one dyno goes.
inline constexpr std::size_t kQuietMinutes = 3;

/// A closed minute of the alert monitor with the web quantity it ran at.
AutoscaleMinute autoscale_minute(const AlertMinute& m, int quantity);

/// The web quantity to run after the minutes `hour` (newest first) at `quantity` now.
int autoscale_quantity(const AutoscaleTarget& t, int quantity,
                       const std::deque<AutoscaleMinute>& hour);

}  // namespace lokku::metrics
