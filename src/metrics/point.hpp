#pragma once
// What the metrics store keeps: for one process type and one window (ten seconds or a
// minute), what its router and its dynos measured (drains-webhooks-metrics.md §4.1).

#include "common/log_line.hpp"
#include "metrics/sketch.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace lokku::metrics {

using common::SystemTime;

/// The four throughput classes of the Metrics tab: 2xx (1xx counted with them), 3xx, 4xx,
/// 5xx (and anything unexpected).
enum class StatusClass : std::size_t { s2xx, s3xx, s4xx, s5xx };
StatusClass status_class(int status);
inline constexpr std::array<std::string_view, 4> kStatusClassNames{"2xx", "3xx", "4xx", "5xx"};

/// A gauge measured across dynos: each snapshot (one per ten-second window) adds the mean
/// over the type's dynos, and the largest of them.
struct Gauge {
  double sum_of_means = 0;
  double max = 0;
  void add(double mean, double largest, bool first);
  void merge(const Gauge& o, bool first);
};

/// One type's window.
struct TypePoint {
  std::array<std::uint64_t, 4> requests{};      ///< by StatusClass
  Sketch service;                               ///< router service times, ms
  std::map<std::string, std::uint64_t> errors;  ///< H-codes and R-codes
  std::uint64_t restarts = 0;
  std::uint64_t crashes = 0;
  /// Gauge snapshots taken: the means below are sums over this many.
  std::uint64_t snapshots = 0;
  Gauge dynos, rss_mb, swap_mb, load;
  double quota_mb = 0;  ///< the type's dyno size (the latest seen)

  void merge(const TypePoint& o);
  /// Adds one snapshot of the type's running dynos.
  void snapshot(double dynos, double rss_mean, double rss_max, double swap_mean, double swap_max,
                double load_mean, double load_max, double quota);
  /// The mean over this window's snapshots of one of the gauges above; none without any.
  std::optional<double> mean(const Gauge& g) const;
  std::uint64_t total_requests() const;
  bool empty() const;

  /// The errors in the store's text form: `H12=3 R14=1`.
  std::string errors_text() const;
  /// Parses errors_text(); false for anything else.
  bool set_errors(std::string_view text);
};

/// A type's window at a time.
struct Point {
  SystemTime start;
  std::string type;
  TypePoint data;
};

/// A marker on the charts: a scaling, a crash, a restart.
struct Event {
  SystemTime time;
  std::string kind;  ///< `scale`, `crash`, `release`, ...
  std::string type;  ///< the process type concerned, or empty
  std::string description;
};

/// The window of `step` (seconds) holding `t`.
SystemTime window_start(SystemTime t, std::chrono::seconds step);

}  // namespace lokku::metrics
