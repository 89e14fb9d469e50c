#pragma once
// An app's errors as its metrics recorded them (`heroku apps:errors`,
// drains-webhooks-metrics.md §4.3): the router's H-codes (web) and a process type's R- and
// L-codes, from the metrics store's minutes (kept a day), per step (an hour for the CLI)
// between two times.

#include "common/log_line.hpp"
#include "metrics/point.hpp"
#include "store/store.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lokku::platform {

struct ErrorQuery {
  common::SystemTime start;
  common::SystemTime end;
  std::chrono::seconds step{3600};
  bool router = false;       ///< the router's H-codes (of web); else `process_type`'s codes
  std::string process_type;  ///< the type whose dynos' R- and L-codes count
};

/// Counts per code, one number per step from `start` (the last step may end after `end`).
struct ErrorSeries {
  std::size_t steps = 0;
  std::map<std::string, std::vector<long>> counts;
};

/// The most steps one query may ask for (a week of minutes).
inline constexpr std::size_t kMaxErrorSteps = 7 * 24 * 60;

/// How many steps `q` covers; nullopt when end is not after start or there would be more
/// than kMaxErrorSteps.
std::optional<std::size_t> error_steps(const ErrorQuery& q);

/// Whether `code` is one `q` counts: an H-code for the router, an R- or L-code for a type.
bool wanted_code(std::string_view code, const ErrorQuery& q);

/// Adds the errors of `q` in `minutes` (the metrics store's minute windows) to `series`,
/// whose `steps` is already error_steps(q); a minute counts in the step it starts in.
void count_errors(const std::vector<metrics::Point>& minutes, const ErrorQuery& q,
                  ErrorSeries& series);

/// The errors of `q` in the app's metrics store. Throws std::invalid_argument when the query
/// covers no step or too many (error_steps), metrics::MetricsError when the store cannot be
/// read.
ErrorSeries app_errors(const store::Store& store, const std::string& app, const ErrorQuery& q);

/// What Heroku calls an error code, and how grave it is (`critical`, `warning`, `info`), as
/// the official CLI shows them; an unknown code is a critical "unknown error".
struct ErrorInfo {
  std::string_view level;
  std::string_view title;
};
ErrorInfo error_info(std::string_view code);

/// A step as the metrics API writes it (Go's durations: `1h`, `10m`, `1h0m0s`, `30s`); nullopt
/// for anything else or zero.
std::optional<std::chrono::seconds> parse_step(std::string_view text);
/// As Go prints a duration: `1h0m0s`, `10m0s`, `30s`.
std::string format_step(std::chrono::seconds step);

}  // namespace lokku::platform
