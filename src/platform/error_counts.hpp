#pragma once
// An app's errors counted from its log (`heroku apps:errors`, drains-webhooks-metrics.md §4.3):
// the router's H-codes (`heroku[router]: at=error code=H12 ...`, web only) and a process
// type's R- and L-codes (`heroku[web.1]: Error R14 (Memory quota exceeded)`), per step (an
// hour for the CLI) between two times. The metrics issue later serves these from its store.

#include "common/log_line.hpp"
#include "store/store.hpp"

#include <chrono>
#include <istream>
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

/// The code of one log line for `q` (`H12`, `R14`), or empty.
std::string error_code_of(std::string_view line, const ErrorQuery& q);

/// Adds the errors of `q` found in `log` (lines of Heroku's log frame) to `series`, whose
/// `steps` is already error_steps(q).
void count_errors(std::istream& log, const ErrorQuery& q, ErrorSeries& series);

/// The errors of `q` in the app's log (`log.1`, then `log`). Throws std::invalid_argument
/// when the query covers no step or too many (error_steps).
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
