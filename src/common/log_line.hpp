#pragma once
// Heroku's log frame (dynos.md STATE-6): `<RFC 3339 timestamp, µs> <source>[<dyno>]: <message>`.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace lokku::common {

using SystemTime = std::chrono::system_clock::time_point;

/// `2026-01-01T00:00:00.000000+00:00`, always UTC, always six fractional digits.
std::string format_timestamp(SystemTime t);
/// format_timestamp() appended to `out` (the seconds are formatted once per second per
/// thread: the router writes a line per request).
void append_timestamp(std::string& out, SystemTime t);
/// A timestamp of the log frame or of JavaScript's toISOString() (`2026-01-01T00:00:00Z`,
/// `...00.123Z`, `...00.123456+00:00`); nullopt when it is neither.
std::optional<SystemTime> parse_timestamp(std::string_view text);

/// One whole log line, newline included. `source` is `app` or `heroku`; `dyno` may be empty
/// (then the frame is `source: message`).
std::string format_log_line(SystemTime t, std::string_view source, std::string_view dyno,
                            std::string_view message, std::string_view colour = {});
/// format_log_line() appended to `out`.
void append_log_line(std::string& out, SystemTime t, std::string_view source, std::string_view dyno,
                     std::string_view message, std::string_view colour = {});

/// `source[dyno]` (or `source` when `dyno` is empty) appended to `out`.
void append_source(std::string& out, std::string_view source, std::string_view dyno);

/// The message of one line of the frame (what follows `source[dyno]: `); the whole line when
/// it is not one.
std::string_view log_message(std::string_view line);

/// One line of the frame, in parts.
struct LogLine {
  SystemTime time;
  std::size_t colour_key = 0;  ///< the index of its process type, for the terminal's colour
  std::string_view source;     ///< `app` or `heroku`
  std::string_view dyno;       ///< `web.1`, `router`, `api`, ...; may be empty
  std::string_view message;
};

/// A line of the frame as written (no newline, no colour) back in parts; nullopt when it is
/// not one. The parts view `line`.
std::optional<LogLine> parse_log_line(std::string_view line);

/// ANSI colour for the n-th process type, in foreman's order (dynos.md LOCAL-5).
std::string_view colour_for_index(std::size_t index);

}  // namespace lokku::common
