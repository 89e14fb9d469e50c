#pragma once
// Heroku Scheduler's frequencies (dynos.md SCHED-1): "every 10 minutes", "every hour at :MM"
// (MM in steps of 10), "every day at HH:MM" (MM 00 or 30), in UTC.

#include <chrono>
#include <string>
#include <string_view>

namespace lokku::release {

struct Frequency {
  enum class Kind { ten_minutes, hourly, daily } kind = Kind::ten_minutes;
  int hour = 0;    ///< daily
  int minute = 0;  ///< hourly and daily
  /// How long a run may last before it is stopped (SCHED-3): the interval.
  std::chrono::minutes interval() const;
  /// The canonical text (`every hour at :20`).
  std::string text() const;
};

/// Parses a frequency; InputError naming the accepted forms otherwise.
Frequency parse_frequency(std::string_view text);

/// The first run strictly after `after` (UTC).
std::chrono::system_clock::time_point next_run(const Frequency& f,
                                               std::chrono::system_clock::time_point after);

}  // namespace lokku::release
