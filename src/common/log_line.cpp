#include "common/log_line.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <ctime>

namespace lokku::common {

std::string format_timestamp(SystemTime t) {
  std::string out;
  append_timestamp(out, t);
  return out;
}

void append_timestamp(std::string& out, SystemTime t) {
  using namespace std::chrono;
  auto secs = time_point_cast<seconds>(t);
  if (secs > t) {
    secs -= seconds(1);
  }
  // `2026-01-01T00:00:00.` of the last second this thread formatted.
  thread_local std::time_t cached_second = -1;
  thread_local std::array<char, 24> cached_text{};
  thread_local std::size_t cached_size = 0;
  const std::time_t tt = system_clock::to_time_t(secs);
  if (tt != cached_second) {
    std::tm tm{};
    gmtime_r(&tt, &tm);
    auto end = fmt::format_to_n(cached_text.data(), cached_text.size(),
                                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.", tm.tm_year + 1900,
                                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    cached_size = std::min(end.size, cached_text.size());
    cached_second = tt;
  }
  out.append(cached_text.data(), cached_size);
  const auto micros = static_cast<unsigned>(duration_cast<microseconds>(t - secs).count());
  char digits[6];
  unsigned v = micros;
  for (int i = 5; i >= 0; --i) {
    digits[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  out.append(digits, sizeof digits);
  out += "+00:00";
}

namespace {
/// The number in `text[at, at + n)`, or -1 when those are not all digits.
int digits_at(std::string_view text, std::size_t at, std::size_t n) {
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (i >= text.size() || text[i] < '0' || text[i] > '9') {
      return -1;
    }
    v = v * 10 + (text[i] - '0');
  }
  return v;
}
}  // namespace

std::optional<LogLine> parse_log_line(std::string_view line) {
  // `2026-01-02T12:00:00.001500+00:00 source[dyno]: message`
  constexpr std::size_t kStamp = 32;
  if (line.size() < kStamp + 3 || line[4] != '-' || line[7] != '-' || line[10] != 'T' ||
      line[13] != ':' || line[16] != ':' || line[19] != '.' || line.substr(26, 6) != "+00:00" ||
      line[kStamp] != ' ') {
    return std::nullopt;
  }
  const int y = digits_at(line, 0, 4), mo = digits_at(line, 5, 2), d = digits_at(line, 8, 2),
            h = digits_at(line, 11, 2), mi = digits_at(line, 14, 2), sec = digits_at(line, 17, 2),
            us = digits_at(line, 20, 6);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || sec < 0 || us < 0) {
    return std::nullopt;
  }
  const std::chrono::year_month_day day{std::chrono::year{y},
                                        std::chrono::month{static_cast<unsigned>(mo)},
                                        std::chrono::day{static_cast<unsigned>(d)}};
  if (!day.ok()) {
    return std::nullopt;
  }
  LogLine out;
  out.time = std::chrono::sys_days{day} + std::chrono::hours{h} + std::chrono::minutes{mi} +
             std::chrono::seconds{sec} + std::chrono::microseconds{us};
  const std::string_view rest = line.substr(kStamp + 1);
  const auto colon = rest.find(": ");
  if (colon == std::string_view::npos) {
    return std::nullopt;
  }
  const std::string_view label = rest.substr(0, colon);
  out.message = rest.substr(colon + 2);
  const auto open = label.find('[');
  out.source = label.substr(0, open);
  if (open != std::string_view::npos) {
    if (label.back() != ']') {
      return std::nullopt;
    }
    out.dyno = label.substr(open + 1, label.size() - open - 2);
  }
  return out;
}

std::string format_log_line(SystemTime t, std::string_view source, std::string_view dyno,
                            std::string_view message, std::string_view colour) {
  std::string line;
  line.reserve(48 + source.size() + dyno.size() + message.size() + 2 * colour.size());
  append_log_line(line, t, source, dyno, message, colour);
  return line;
}

void append_log_line(std::string& line, SystemTime t, std::string_view source,
                     std::string_view dyno, std::string_view message, std::string_view colour) {
  append_timestamp(line, t);
  line += ' ';
  if (!colour.empty()) {
    line += colour;
  }
  append_source(line, source, dyno);
  line += ':';
  if (!colour.empty()) {
    line += "\x1b[0m";
  }
  line += ' ';
  line += message;
  line += '\n';
}

void append_source(std::string& out, std::string_view source, std::string_view dyno) {
  out += source;
  if (!dyno.empty()) {
    out += '[';
    out += dyno;
    out += ']';
  }
}

std::string_view colour_for_index(std::size_t index) {
  static constexpr std::array<std::string_view, 6> kColours{"\x1b[36m", "\x1b[33m", "\x1b[32m",
                                                            "\x1b[35m", "\x1b[31m", "\x1b[34m"};
  return kColours[index % kColours.size()];
}

std::string_view log_message(std::string_view line) {
  auto sp = line.find(' ');
  auto colon = line.find(": ", sp == std::string_view::npos ? 0 : sp);
  if (sp == std::string_view::npos || colon == std::string_view::npos) {
    return line;
  }
  return line.substr(colon + 2);
}

std::optional<SystemTime> parse_timestamp(std::string_view t) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+00:00)
  std::tm tm{};
  if (t.size() < 20 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':') {
    return std::nullopt;
  }
  const int y = digits_at(t, 0, 4), mo = digits_at(t, 5, 2), d = digits_at(t, 8, 2),
            h = digits_at(t, 11, 2), mi = digits_at(t, 14, 2), s = digits_at(t, 17, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0) {
    return std::nullopt;
  }
  std::size_t i = 19;
  long long micros = 0;
  if (t[i] == '.') {
    std::size_t start = ++i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') {
      if (i - start < 6) {
        micros = micros * 10 + (t[i] - '0');
      }
      ++i;
    }
    for (std::size_t n = i - start; n < 6; ++n) {
      micros *= 10;
    }
    if (i == start) {
      return std::nullopt;
    }
  }
  const std::string_view zone = t.substr(i);
  if (zone != "Z" && zone != "+00:00") {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) {
    return std::nullopt;
  }
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  const std::time_t secs = ::timegm(&tm);
  return std::chrono::system_clock::from_time_t(secs) + std::chrono::microseconds(micros);
}

}  // namespace lokku::common
