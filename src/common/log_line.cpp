#include "common/log_line.hpp"

#include <fmt/format.h>

#include <array>
#include <ctime>

namespace lokku::common {

std::string format_timestamp(SystemTime t) {
  using namespace std::chrono;
  auto secs = time_point_cast<seconds>(t);
  if (secs > t) {
    secs -= seconds(1);
  }
  auto micros = duration_cast<microseconds>(t - secs).count();
  std::time_t tt = system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}+00:00", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, micros);
}

std::string format_log_line(SystemTime t, std::string_view source, std::string_view dyno,
                            std::string_view message, std::string_view colour) {
  std::string line;
  line.reserve(48 + source.size() + dyno.size() + message.size() + 2 * colour.size());
  line += format_timestamp(t);
  line += ' ';
  if (!colour.empty()) {
    line += colour;
  }
  line += source;
  if (!dyno.empty()) {
    line += '[';
    line += dyno;
    line += ']';
  }
  line += ':';
  if (!colour.empty()) {
    line += "\x1b[0m";
  }
  line += ' ';
  line += message;
  line += '\n';
  return line;
}

std::string_view colour_for_index(std::size_t index) {
  static constexpr std::array<std::string_view, 6> kColours{"\x1b[36m", "\x1b[33m", "\x1b[32m",
                                                            "\x1b[35m", "\x1b[31m", "\x1b[34m"};
  return kColours[index % kColours.size()];
}

}  // namespace lokku::common
